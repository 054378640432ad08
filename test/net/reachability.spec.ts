/** AutoNAT's verdict over the address manager's addresses (src/net/reachability.ts) */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isPrivateIp, judgeReachability } from '../../src/net/reachability.ts'

const RELAY = '/ip4/203.0.113.7/tcp/4001/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp/p2p-circuit'

describe('reachability', () => {
  it('tells private, loopback and shared addresses from public ones', () => {
    for (const ip of ['10.77.1.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '127.0.0.1', '169.254.1.1', '100.64.0.1', '::1', 'fd00::1', 'fe80::1']) assert.equal(isPrivateIp(ip), true, ip)
    for (const ip of ['172.32.0.1', '8.8.8.8', '203.0.113.7', '100.128.0.1', '2001:db8::1', 'not-an-ip']) assert.equal(isPrivateIp(ip), false, ip)
  })

  it('is public only when a public direct address is verified', () => {
    assert.equal(judgeReachability([{ multiaddr: '/ip4/127.0.0.1/tcp/1', verified: true }, { multiaddr: '/ip4/203.0.113.9/tcp/1', verified: true }]), 'public')
    assert.equal(judgeReachability([{ multiaddr: '/ip4/203.0.113.9/tcp/1', verified: false }]), 'unconfirmed')
    assert.equal(judgeReachability([{ multiaddr: '/dns4/example.org/tcp/1', verified: true }]), 'public')
  })

  it('is relayed when only a reservation makes the node reachable, private when nothing is judged', () => {
    assert.equal(judgeReachability([{ multiaddr: '/ip4/203.0.113.9/tcp/1', verified: false }, { multiaddr: RELAY, verified: true }]), 'relayed')
    assert.equal(judgeReachability([{ multiaddr: '/ip4/10.0.0.2/tcp/1', verified: true }, { multiaddr: '/ip6/::1/tcp/1', verified: true }]), 'private')
    assert.equal(judgeReachability([]), 'private')
  })
})
