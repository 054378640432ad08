/**
 * Deterministic pseudo-random numbers for the test suites (the generator the node's rankings use), so a failing random
 * case replays from its seed.
 */
export { seededRandom } from '../../src/seeded-random.ts'
