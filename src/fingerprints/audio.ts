/**
 * Audio: the extension point. ISCC's Audio-Code is a SimHash over Chromaprint features, and Chromaprint needs the
 * audio decoded to PCM first; node_modules holds neither a maintained audio decoder nor a Chromaprint port (the
 * only routes would be a native ffmpeg/fpcalc binary on the host or a WASM build we would have to vendor and keep).
 * So audio works get no fingerprint: this returns null, and callers store none. An implementation slots in here
 * with this signature and a new algorithm id (e.g. 'iscc-audio-64') in constants.ts and protocols/fingerprints.md.
 */
export interface AudioFingerprinter {
  (bytes: Uint8Array, mediaType: string): Promise<{ alg: string, code: string } | null>
}

export const audioFingerprints: AudioFingerprinter = async () => null
