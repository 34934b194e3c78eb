import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import express from 'express';
import { createAdmission, type Admission } from '../../src/platform/admission.js';
import { AppError } from '../../src/platform/app-error.js';

// A real HTTP server whose handler holds each request until the test lets it go, behind admission.
function harness(maxActive: number, maxWaitMs = 60_000, perTurn = 0, maxQueued = 1000) {
  const admission: Admission = createAdmission({ perTurn, maxActive, maxWaitMs, maxQueued });
  const started: string[] = [];
  const held = new Map<string, () => void>();
  const app = express();
  app.use(admission.middleware);
  app.get('/:name', (req, res) => {
    const name = req.params.name;
    started.push(name);
    held.set(name, () => res.json({ name }));
  });
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const e = err as AppError;
    res.status(e.status ?? 500).set('Retry-After', String(e.retryAfterSeconds ?? '')).json({ code: e.code });
  });
  const server: Server = createServer(app);
  const ready = new Promise<string>((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
  return { admission, started, held, server, ready };
}

const servers: Server[] = [];
after(() => servers.forEach((s) => s.closeAllConnections() ?? s.close()));

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000; // a deadline, not a speed: generous for a loaded machine
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('admission control', () => {
  it('handles at most maxActive requests at once and starts the waiting ones in arrival order', async () => {
    const h = harness(2);
    servers.push(h.server);
    const url = await h.ready;
    const answers: Record<string, Promise<Response>> = {};
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      answers[name] = fetch(`${url}/${name}`);
      await until(() => h.admission.stats().active + h.admission.stats().waiting === Object.keys(answers).length, `${name} to arrive`);
    }
    assert.deepEqual(h.started, ['a', 'b']);
    assert.deepEqual(h.admission.stats(), { active: 2, waiting: 3, shed: 0 });
    h.held.get('b')!();
    assert.equal((await answers.b!).status, 200);
    await until(() => h.started.length === 3, 'c to start');
    assert.deepEqual(h.started, ['a', 'b', 'c']);
    for (const name of ['a', 'c']) h.held.get(name)!();
    await until(() => h.started.length === 5, 'd and e to start');
    assert.deepEqual(h.started, ['a', 'b', 'c', 'd', 'e']);
    for (const name of ['d', 'e']) h.held.get(name)!();
    const statuses = await Promise.all(Object.values(answers).map(async (p) => (await p).status));
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    await until(() => h.admission.stats().active === 0, 'slots to be free');
    assert.deepEqual(h.admission.stats(), { active: 0, waiting: 0, shed: 0 });
  });

  it('answers 503 service.busy with Retry-After to a request that waits past maxWaitMs, and never runs it', async () => {
    const h = harness(1, 150);
    servers.push(h.server);
    const url = await h.ready;
    const first = fetch(`${url}/first`);
    await until(() => h.started.length === 1, 'first to start');
    const t0 = Date.now();
    const late = await fetch(`${url}/late`);
    assert.equal(late.status, 503);
    assert.equal(late.headers.get('retry-after'), '1');
    assert.deepEqual(await late.json(), { code: 'service.busy' });
    assert.ok(Date.now() - t0 >= 140, 'answered only after the wait');
    h.held.get('first')!();
    assert.equal((await first).status, 200);
    await until(() => h.admission.stats().active === 0, 'the slot to be free');
    assert.deepEqual(h.started, ['first']);
    assert.equal(h.admission.stats().shed, 1);
  });

  it('a caller that hangs up while waiting is dropped: it takes no slot and its handler never runs', async () => {
    const h = harness(1);
    servers.push(h.server);
    const url = await h.ready;
    const first = fetch(`${url}/first`);
    await until(() => h.started.length === 1, 'first to start');
    const gone = request(`${url}/gone`);
    gone.on('error', () => undefined);
    gone.end();
    await until(() => h.admission.stats().waiting === 1, 'gone to queue');
    gone.destroy();
    await until(() => h.admission.stats().waiting === 0, 'gone to leave the queue');
    const next = fetch(`${url}/next`);
    await until(() => h.admission.stats().waiting === 1, 'next to queue');
    h.held.get('first')!();
    await until(() => h.started.length === 2, 'next to start');
    assert.deepEqual(h.started, ['first', 'next']);
    h.held.get('next')!();
    assert.equal((await next).status, 200);
    assert.equal((await first).status, 200);
    await until(() => h.admission.stats().active === 0, 'the slots to be free');
  });

  it('maxActive 0 admits everything at once', async () => {
    const h = harness(0);
    servers.push(h.server);
    const url = await h.ready;
    const answers = ['a', 'b', 'c'].map((n) => fetch(`${url}/${n}`));
    await until(() => h.started.length === 3, 'all three to start');
    assert.equal(h.admission.stats().waiting, 0);
    for (const n of ['a', 'b', 'c']) h.held.get(n)!();
    assert.deepEqual(await Promise.all(answers.map(async (p) => (await p).status)), [200, 200, 200]);
    await until(() => h.admission.stats().active === 0, 'the count to return to 0');
  });

  it('starts at most perTurn requests per event-loop turn, in arrival order, and the rest on later turns', async () => {
    const admission = createAdmission({ perTurn: 2, maxActive: 0, maxWaitMs: 60_000, maxQueued: 1000 });
    const started: number[] = [];
    const responses: EventEmitter[] = [];
    const arrive = (n: number) => {
      const res = Object.assign(new EventEmitter(), { writableEnded: false });
      responses.push(res);
      admission.middleware({ socket: Object.assign(new EventEmitter(), { destroyed: false }) } as unknown as express.Request, res as unknown as express.Response, () => started.push(n));
    };
    const turn = () => new Promise((r) => setImmediate(r));
    for (let n = 1; n <= 5; n++) arrive(n); // one turn: five arrivals
    assert.deepEqual(started, [1, 2]);
    assert.deepEqual(admission.stats(), { active: 2, waiting: 3, shed: 0 });
    await turn();
    arrive(6); // arrives behind the three waiting, whatever budget is left
    assert.deepEqual(started, [1, 2, 3, 4]);
    await turn();
    assert.deepEqual(started, [1, 2, 3, 4, 5, 6]);
    for (const res of responses) res.emit('finish');
    assert.deepEqual(admission.stats(), { active: 0, waiting: 0, shed: 0 });
  });

  it('pipelined requests give their places back when the connection closes, answered or not', async () => {
    const h = harness(2);
    servers.push(h.server);
    const url = new URL(await h.ready);
    const socket = connect(Number(url.port), url.hostname);
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => h.started.length === 2, 'both pipelined requests to start');
    assert.equal(h.admission.stats().active, 2);
    // /b answers first; Node holds its answer behind /a's. Then the client goes away.
    h.held.get('b')!();
    socket.destroy();
    await until(() => h.admission.stats().active === 0, 'both places to come back');
    const next = fetch(`${url.origin}/c`);
    await until(() => h.started.length === 3, 'a later request to start');
    h.held.get('c')!();
    assert.equal((await next).status, 200);
  });

  it('answers 503 service.busy at once when maxQueued requests already wait', async () => {
    const h = harness(1, 60_000, 0, 1);
    servers.push(h.server);
    const url = await h.ready;
    const first = fetch(`${url}/first`);
    await until(() => h.started.length === 1, 'first to start');
    const second = fetch(`${url}/second`);
    await until(() => h.admission.stats().waiting === 1, 'second to queue');
    const third = await fetch(`${url}/third`);
    assert.equal(third.status, 503);
    assert.deepEqual(await third.json(), { code: 'service.busy' });
    assert.equal(h.admission.stats().shed, 1);
    h.held.get('first')!();
    await until(() => h.started.length === 2, 'second to start');
    h.held.get('second')!();
    assert.deepEqual([(await first).status, (await second).status], [200, 200]);
    assert.deepEqual(h.started, ['first', 'second']);
  });
});
