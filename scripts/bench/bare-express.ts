// The bare baseline of `npm run bench:api`: Express 5 with its JSON body parser and nothing else, in its
// own process, on payval's socket settings. POST answers 202 with a small JSON body, GET answers 200.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import express from 'express';

const app = express();
app.use(express.json({ limit: '64kb' }));
app.post('/v1/validations', (req, res) => {
  const body = req.body as { type?: unknown };
  res.status(202).json({ id: `val_${randomUUID()}`, object: 'validation', status: 'queued', type: body.type ?? null });
});
app.get('/v1/validations/:id', (req, res) => {
  res.json({ id: req.params.id, object: 'validation', status: 'completed' });
});

const server = createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 65_000 }, app);
server.setTimeout(120_000);
// The same accept backlog as payval (HTTP_LISTEN_BACKLOG's default), so 1,000 connections meet the same kernel queue.
server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 }, () => {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
