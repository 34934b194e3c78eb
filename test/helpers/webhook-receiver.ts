import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** Parsed body when the signature verified with one of the receiver's secrets, else null. */
  verified: unknown;
  /** Which of the receiver's secrets verified it (index), or -1. */
  verifiedWith: number;
  receivedAt: number;
}

export type ReceiverMode =
  | { kind: 'ok'; status?: number }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'hang' }
  | { kind: 'slow'; ms: number }
  /** Answers `body` with 200 only when `releaseHeld()` is called: an attempt kept in flight for as long as a test needs. */
  | { kind: 'held'; body: string };

/**
 * A real HTTP receiver on loopback that verifies every delivery with the public `standardwebhooks`
 * library, exactly as a client integration would. Its behaviour can be switched while tests run.
 */
export async function startWebhookReceiver(secrets: string[] = []) {
  const received: ReceivedWebhook[] = [];
  let mode: ReceiverMode = { kind: 'ok' };
  const hanging = new Set<() => void>();
  const held: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified: unknown = null;
      let verifiedWith = -1;
      for (const [i, secret] of secrets.entries()) {
        try {
          verified = new Webhook(secret).verify(body, {
            'webhook-id': String(req.headers['webhook-id']),
            'webhook-timestamp': String(req.headers['webhook-timestamp']),
            'webhook-signature': String(req.headers['webhook-signature']),
          });
          verifiedWith = i;
          break;
        } catch {
          // try the next secret
        }
      }
      received.push({ headers: req.headers, body, verified, verifiedWith, receivedAt: Date.now() });
      const m = mode;
      if (m.kind === 'hang') {
        const end = () => res.destroy();
        hanging.add(end);
        res.on('close', () => hanging.delete(end));
        return;
      }
      if (m.kind === 'held') {
        held.push(() => res.writeHead(200, { 'content-type': 'text/plain' }).end(m.body));
        return;
      }
      if (m.kind === 'slow') {
        setTimeout(() => res.writeHead(200).end('ok'), m.ms);
        return;
      }
      if (m.kind === 'status') {
        res.writeHead(m.status, m.headers ?? {}).end(m.body ?? '');
        return;
      }
      res.writeHead(m.status ?? 200, { 'content-type': 'text/plain' }).end('thanks');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    secrets,
    setMode(m: ReceiverMode) {
      mode = m;
    },
    /** Deliveries whose webhook-id is `id`. */
    byId(id: string) {
      return received.filter((r) => r.headers['webhook-id'] === id);
    },
    /** Answers every request `held` mode kept waiting; how many it answered. */
    releaseHeld(): number {
      const n = held.length;
      for (const answer of held.splice(0)) answer();
      return n;
    },
    /** Requests `held` mode is keeping waiting now. */
    heldCount: () => held.length,
    async close() {
      for (const answer of held.splice(0)) answer();
      for (const end of hanging) end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
