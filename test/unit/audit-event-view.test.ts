import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { csvLine } from '../../src/batches/csv-escape.js';
import { AppError } from '../../src/platform/app-error.js';
import type { AuditRecord } from '../../src/platform/audit-query.js';
import { encodeCursor } from '../../src/platform/pagination.js';
import { AUDIT_CSV_COLUMNS, auditCsvCells, auditDetails, safeDetailText, toAuditEventView, WITHHELD } from '../../src/audit/audit-event-view.js';
import { asApiError, auditCursor, auditFilter, EXPORT_MAX_DAYS, exportFilter } from '../../src/audit/audit-params.js';

const record = (over: Partial<AuditRecord> = {}): AuditRecord => ({
  id: '42',
  actor: 'user:usr_01JDQ7ZK3M6X4T9V2B8N5R0W1C',
  action: 'user.role_changed',
  targetType: 'user',
  targetId: 'usr_01JDQ80F9E2H7K4M6P3S5V8X0Z',
  requestId: 'req_1',
  details: '{"from":"viewer","to":"admin"}',
  createdAt: new Date('2026-12-02T09:14:07.512Z'),
  ...over,
});

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (asApiError(err) as AppError).code;
  }
  return 'no error';
};

describe('audit event view', () => {
  it('shows ids, codes and counts as they are', () => {
    assert.deepEqual(toAuditEventView(record()), {
      id: '42',
      object: 'audit_event',
      actor: 'user:usr_01JDQ7ZK3M6X4T9V2B8N5R0W1C',
      action: 'user.role_changed',
      target: { type: 'user', id: 'usr_01JDQ80F9E2H7K4M6P3S5V8X0Z' },
      request_id: 'req_1',
      details: { from: 'viewer', to: 'admin' },
      created_at: '2026-12-02T09:14:07.512Z',
    });
    assert.deepEqual(auditDetails('{"events":3,"created":2,"restarted":1,"enabled":null,"url_changed":true}'), { events: 3, created: 2, restarted: 1, enabled: null, url_changed: true });
    assert.equal(auditDetails(null), null);
    assert.equal(auditDetails('null'), null);
  });

  it('masks an account number, whether written as text, spaced or as a number, nested or not', () => {
    assert.deepEqual(auditDetails('{"account":"50100012345678","spaced":"5010 0012 3456 78","n":50100012345678,"deep":{"list":["acct 123456789"]}}'), {
      account: 'XXXXXXXXXX5678',
      spaced: 'XXXXXXXXXX5678',
      n: 'XXXXXXXXXX5678',
      deep: { list: ['acct XXXXX6789'] },
    });
    assert.deepEqual(auditDetails('{"n":123456789012345678}'), { n: 'XXXXXXXXXXXXXX5680' }, 'past 2^53 too (JSON already rounded it)');
    assert.deepEqual(auditDetails('{"count":12345678,"score":0.5}'), { count: 12345678, score: 0.5 });
    assert.equal(safeDetailText('12345678'), '12345678', 'eight digits are a count or a date, not an account number');
  });

  it('withholds e-mail addresses and VPAs, and keeps payval ids whole even with a digit run', () => {
    assert.equal(safeDetailText('asha.rao@acme.example'), WITHHELD);
    assert.equal(safeDetailText('paid to 9876543210@ybl today'), `paid to ${WITHHELD} today`);
    assert.equal(safeDetailText('usr_01234567890123456789ABCDEF'), 'usr_01234567890123456789ABCDEF');
    assert.deepEqual(auditDetails('{"user_id":"usr_01234567890123456789ABCDEF"}'), { user_id: 'usr_01234567890123456789ABCDEF' });
    assert.deepEqual(auditDetails('{"asha@acme.example":1}'), { [WITHHELD]: 1 }, 'keys too');
  });

  it('a stored value that is not an object is still shown safely', () => {
    assert.deepEqual(auditDetails('"50100012345678"'), { value: 'XXXXXXXXXX5678' });
    assert.deepEqual(auditDetails('not json'), { unreadable: true });
  });

  it('CSV cells follow the header, details as JSON, and survive a formula-looking action', () => {
    const cells = auditCsvCells(toAuditEventView(record({ action: '=HYPERLINK("x")', requestId: null, details: null })));
    const [row] = parse(csvLine([...AUDIT_CSV_COLUMNS]) + csvLine(cells), { columns: true }) as Array<Record<string, string>>;
    assert.equal(row!.action, `'=HYPERLINK("x")`);
    assert.equal(row!.request_id, '');
    assert.equal(row!.details, '');
    const withDetails = parse(csvLine(auditCsvCells(toAuditEventView(record())))) as string[][];
    assert.deepEqual(JSON.parse(withDetails[0]![7]!), { from: 'viewer', to: 'admin' });
  });
});

describe('audit API parameters', () => {
  it('takes only the filters given; a cursor decodes to the id it stands for', () => {
    assert.deepEqual(auditFilter({ action: 'api_key.created', actor: '', limit: '5' }), { action: 'api_key.created' });
    assert.equal(auditCursor({}), '');
    assert.equal(auditCursor({ cursor: encodeCursor('48190') }), '48190');
    assert.equal(codeOf(() => auditCursor({ cursor: '=' })), 'pagination.invalid_cursor');
  });

  it('names a bad day as request.invalid with the field', () => {
    try {
      exportFilter({ from: '2026-02-30', to: '2026-03-01' });
      assert.fail('accepted');
    } catch (err) {
      const e = asApiError(err) as AppError;
      assert.equal(e.code, 'request.invalid');
      assert.deepEqual(e.details, { field: 'from' });
    }
    assert.equal(codeOf(() => exportFilter({ from: '2026-03-02', to: '2026-03-01' })), 'request.invalid');
    assert.equal(codeOf(() => exportFilter({ from: '2026-03-01' })), 'request.invalid');
  });

  it('an export covers at most EXPORT_MAX_DAYS days, both ends included', () => {
    assert.equal(EXPORT_MAX_DAYS, 366);
    assert.deepEqual(exportFilter({ from: '2024-01-01', to: '2024-12-31' }), { from: '2024-01-01', to: '2024-12-31' }, 'a leap year: 366 days');
    assert.equal(codeOf(() => exportFilter({ from: '2025-01-01', to: '2026-01-01' })), 'no error', '366 days');
    assert.equal(codeOf(() => exportFilter({ from: '2025-01-01', to: '2026-01-02' })), 'request.invalid', '367 days');
    assert.equal(codeOf(() => exportFilter({ from: '2026-03-01', to: '2026-03-01' })), 'no error', 'one day');
  });

  it('leaves other errors alone', () => {
    const other = new Error('boom');
    assert.equal(asApiError(other), other);
    const busy = new AppError('service.busy', 'busy');
    assert.equal(asApiError(busy), busy);
  });
});
