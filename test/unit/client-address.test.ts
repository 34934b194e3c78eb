import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientAddressKey } from '../../src/platform/client-address.js';
import { parseTrustProxy } from '../../src/platform/trust-proxy.js';

describe('clientAddressKey', () => {
  it('counts IPv4 per address, IPv4-mapped IPv6 as IPv4, IPv6 per /64', () => {
    assert.equal(clientAddressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(clientAddressKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(clientAddressKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
    assert.equal(clientAddressKey('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
    assert.notEqual(clientAddressKey('2001:db8:1:3::1'), clientAddressKey('2001:db8:1:2::1'));
    assert.equal(clientAddressKey(undefined), 'unknown');
    assert.equal(clientAddressKey('not an ip'), 'unknown');
  });
});

describe('parseTrustProxy', () => {
  it("follows Express's trust-proxy values: off, on, hop counts, addresses and CIDRs", () => {
    assert.equal(parseTrustProxy(''), false);
    assert.equal(parseTrustProxy('false'), false);
    assert.equal(parseTrustProxy('TRUE'), true);
    assert.equal(parseTrustProxy('2'), 2);
    assert.deepEqual(parseTrustProxy('loopback, 10.0.0.0/8,fd00::/8, 192.168.1.1'), ['loopback', '10.0.0.0/8', 'fd00::/8', '192.168.1.1']);
    assert.deepEqual(parseTrustProxy('10.0.0.0/255.0.0.0'), ['10.0.0.0/255.0.0.0']);
  });

  it('refuses what Express would choke on at start-up', () => {
    for (const bad of ['everything', '10.0.0.0/33', '300.1.1.1', 'fd00::/129', '99']) assert.throws(() => parseTrustProxy(bad), bad);
  });
});
