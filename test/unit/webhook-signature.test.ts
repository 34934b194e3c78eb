import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import {
  WEBHOOK_SECRET_PREFIX,
  generateWebhookSecret,
  isWebhookSecret,
  signWebhook,
  webhookHeaders,
} from '../../src/webhooks/webhook-signature.js';

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const body = '{"type":"validation.completed","data":{"id":"val_123","status":"valid"}}';

test('generated secrets are whsec_ plus base64 of 32 random bytes, and differ', () => {
  const a = generateWebhookSecret();
  const b = generateWebhookSecret();
  assert.notEqual(a, b);
  for (const s of [a, b]) {
    assert.ok(s.startsWith(WEBHOOK_SECRET_PREFIX));
    assert.match(s, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(s.slice(6), 'base64').length, 32);
    assert.ok(isWebhookSecret(s));
  }
});

test('isWebhookSecret refuses anything but canonical whsec_ base64 of 24-64 bytes', () => {
  const b64 = (n: number): string => Buffer.alloc(n, 7).toString('base64');
  assert.ok(isWebhookSecret(`whsec_${b64(24)}`));
  assert.ok(isWebhookSecret(`whsec_${b64(64)}`));
  assert.ok(!isWebhookSecret(`whsec_${b64(23)}`));
  assert.ok(!isWebhookSecret(`whsec_${b64(65)}`));
  assert.ok(!isWebhookSecret(b64(32)));
  assert.ok(!isWebhookSecret('whsec_'));
  assert.ok(!isWebhookSecret(''));
  assert.ok(!isWebhookSecret(`WHSEC_${b64(32)}`));
  assert.ok(!isWebhookSecret(`whsec_${b64(32).replace('=', '')}`), 'missing padding');
  assert.ok(!isWebhookSecret(`whsec_${b64(32).replace(/\+|\//g, '-')}-`), 'base64url alphabet');
  assert.ok(!isWebhookSecret(`whsec_ ${b64(32)}`));
  assert.ok(!isWebhookSecret(`whsec_${b64(32)}\n`));
  // 'B' instead of 'A' sets trailing bits that a strict decoder would refuse.
  assert.ok(!isWebhookSecret(`whsec_${'A'.repeat(42)}B=`));
});

test('pinned vector: the Standard Webhooks example, as the library computes it', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const expected = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
  assert.equal(signWebhook('msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}', [secret]), expected);
  assert.equal(
    new Webhook(secret).sign('msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(1614265330 * 1000), '{"test": 2432232314}'),
    expected,
  );
});

test('equals the library sign() for random secrets and non-ASCII bodies', () => {
  for (const b of [body, '', 'ñ € 😀 \u0000 "quoted"', 'x'.repeat(100_000)]) {
    const secret = generateWebhookSecret();
    const ts = 1_700_000_000 + b.length;
    assert.equal(signWebhook('msg_abc', ts, b, [secret]), new Webhook(secret).sign('msg_abc', new Date(ts * 1000), b));
  }
});

test('round trip: the library verifies our headers and returns the parsed body', () => {
  const secret = generateWebhookSecret();
  const headers = webhookHeaders('msg_1', nowSeconds(), body, [secret]);
  assert.deepEqual(Object.keys(headers).sort(), ['webhook-id', 'webhook-signature', 'webhook-timestamp']);
  assert.equal(headers['webhook-id'], 'msg_1');
  assert.match(headers['webhook-timestamp'] ?? '', /^\d+$/);
  assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
});

test('two secrets: one v1 entry each, in order, and a receiver holding either verifies', () => {
  const oldSecret = generateWebhookSecret();
  const newSecret = generateWebhookSecret();
  const ts = nowSeconds();
  const headers = webhookHeaders('msg_rot', ts, body, [newSecret, oldSecret]);
  const parts = (headers['webhook-signature'] ?? '').split(' ');
  assert.equal(parts.length, 2);
  assert.equal(parts[0], signWebhook('msg_rot', ts, body, [newSecret]));
  assert.equal(parts[1], signWebhook('msg_rot', ts, body, [oldSecret]));
  assert.deepEqual(new Webhook(oldSecret).verify(body, headers), JSON.parse(body));
  assert.deepEqual(new Webhook(newSecret).verify(body, headers), JSON.parse(body));
  assert.throws(() => new Webhook(generateWebhookSecret()).verify(body, headers), /No matching signature/);
});

test('tampered body, wrong secret and another message id all fail verification', () => {
  const secret = generateWebhookSecret();
  const headers = webhookHeaders('msg_1', nowSeconds(), body, [secret]);
  const wh = new Webhook(secret);
  assert.throws(() => wh.verify(body.replace('valid', 'invalid'), headers), /No matching signature/);
  assert.throws(() => wh.verify(`${body} `, headers), /No matching signature/);
  assert.throws(() => new Webhook(generateWebhookSecret()).verify(body, headers), /No matching signature/);
  assert.throws(() => wh.verify(body, { ...headers, 'webhook-id': 'msg_2' }), /No matching signature/);
  const otherTs = String(Number(headers['webhook-timestamp']) - 1);
  assert.throws(() => wh.verify(body, { ...headers, 'webhook-timestamp': otherTs }), /No matching signature/);
});

test('a timestamp more than five minutes old or ahead is refused by the library', () => {
  const secret = generateWebhookSecret();
  const wh = new Webhook(secret);
  const stale = webhookHeaders('msg_1', nowSeconds() - 6 * 60, body, [secret]);
  assert.throws(() => wh.verify(body, stale), /too old/);
  const future = webhookHeaders('msg_1', nowSeconds() + 6 * 60, body, [secret]);
  assert.throws(() => wh.verify(body, future), /too new/);
  const recent = webhookHeaders('msg_1', nowSeconds() - 4 * 60, body, [secret]);
  assert.deepEqual(wh.verify(body, recent), JSON.parse(body));
});

test('refuses an empty secret list, a malformed secret, a bad id or timestamp', () => {
  const good = generateWebhookSecret();
  assert.throws(() => signWebhook('msg_1', 1, body, []), /at least one secret/);
  assert.throws(() => signWebhook('msg_1', 1, body, [good, 'whsec_short']), /secret #2 is malformed/);
  assert.throws(() => signWebhook('msg_1', 1, body, ['not-a-secret']), /malformed/);
  assert.throws(() => webhookHeaders('msg_1', 1, body, []), /at least one secret/);
  for (const id of ['', 'msg 1', 'msg_1\r\nx-evil: 1', 'x'.repeat(256)]) {
    assert.throws(() => signWebhook(id, 1, body, [good]), /message id/, JSON.stringify(id));
  }
  for (const ts of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => signWebhook('msg_1', ts, body, [good]), /timestamp/, String(ts));
  }
});

test('the malformed-secret error does not echo the secret', () => {
  const leaky = 'whsec_c2VjcmV0LXZhbHVl'; // 12 bytes: too short
  assert.throws(
    () => signWebhook('msg_1', 1, body, [leaky]),
    (err: Error) => !err.message.includes(leaky.slice(6)) && !err.message.includes(leaky),
  );
});
