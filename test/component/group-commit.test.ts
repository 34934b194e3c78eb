import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createDb, dropDatabase, ensureDatabase, type Db } from '../../src/platform/db.js';
import { createGroupCommit } from '../../src/platform/group-commit.js';

const MYSQL = (process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
const url = `${MYSQL}/payval_gc_${randomBytes(4).toString('hex')}`;
let db: Db;

before(async () => {
  await ensureDatabase(url);
  db = createDb(url, 6);
  await db.schema.createTable('items', (t) => {
    t.string('id', 40).primary();
    t.integer('n').notNullable();
  });
});
after(async () => {
  await db.destroy();
  await dropDatabase(url);
});

type Item = { id: string; n: number };

function committer(opts: { maxItems?: number; maxInFlight?: number; seen?: string[][]; failAfterCommit?: boolean } = {}) {
  return createGroupCommit<Item>({
    db,
    maxItems: opts.maxItems ?? 100,
    maxInFlight: opts.maxInFlight ?? 2,
    async write(trx, items) {
      await trx('items').insert(items.map((i) => ({ id: i.id, n: i.n })));
    },
    async afterCommit(items) {
      opts.seen?.push(items.map((i) => i.id));
    },
  });
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('group commit', () => {
  it('requests that arrive together share transactions, and each is answered only once its row is committed', async () => {
    const seen: string[][] = [];
    const gc = committer({ seen, maxInFlight: 1 });
    const all = ids('a', 200);
    await Promise.all(
      all.map(async (id, n) => {
        await gc.submit({ id, n });
        // Answered: its row is visible to any other connection.
        const row = await db('items').where({ id }).first();
        assert.ok(row, `${id} answered before it was committed`);
      }),
    );
    const stats = gc.stats();
    assert.equal(stats.items, 200);
    assert.ok(stats.groups < 20, `200 concurrent requests took ${stats.groups} transactions`);
    assert.deepEqual(seen.flat().sort(), [...all].sort(), 'afterCommit saw every item once');
  });

  it('a failing item fails alone: its neighbours in the group are committed', async () => {
    const gc = committer();
    await db('items').insert({ id: 'dup-1', n: 0 });
    const items = [...ids('b', 10).map((id, n) => ({ id, n })), { id: 'dup-1', n: 1 }, ...ids('c', 10).map((id, n) => ({ id, n }))];
    const outcomes = await Promise.allSettled(items.map((i) => gc.submit(i)));
    const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [items[i]!.id] : []));
    assert.deepEqual(failed, ['dup-1']);
    assert.equal((outcomes[10] as PromiseRejectedResult).reason.errno, 1062, 'the failing item gets its own error');
    assert.equal(await db('items').whereIn('id', [...ids('b', 10), ...ids('c', 10)]).count({ n: '*' }).first().then((r) => Number(r!.n)), 20);
    assert.equal(Number((await db('items').where({ id: 'dup-1' }).first()).n), 0, 'the duplicate changed nothing');
  });

  it('an idle committer writes a lone request at once, in its own transaction', async () => {
    const gc = committer();
    await gc.submit({ id: 'lone-1', n: 1 });
    await gc.submit({ id: 'lone-2', n: 2 });
    const { groups, items } = gc.stats();
    assert.deepEqual({ groups, items }, { groups: 2, items: 2 });
  });

  it('never runs more than maxInFlight transactions, nor more than maxItems per transaction', async () => {
    let running = 0;
    let peak = 0;
    let biggest = 0;
    const gc = createGroupCommit<Item>({
      db,
      maxItems: 7,
      maxInFlight: 2,
      async write(trx, items) {
        running++;
        peak = Math.max(peak, running);
        biggest = Math.max(biggest, items.length);
        try {
          await trx('items').insert(items.map((i) => ({ id: i.id, n: i.n })));
          await new Promise((r) => setTimeout(r, 5));
        } finally {
          running--;
        }
      },
    });
    await Promise.all(ids('d', 100).map((id, n) => gc.submit({ id, n })));
    assert.ok(peak <= 2, `peak ${peak} transactions at once`);
    assert.ok(biggest <= 7, `a transaction of ${biggest} items`);
    assert.equal(gc.stats().items, 100);
  });
});
