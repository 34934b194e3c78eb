// The sandbox contract: payval's own simple partner API, whose outcomes are picked by magic account
// numbers and VPAs (see sandbox-rules.ts). A reference is verified and billed once; calling again
// with the same reference replays the stored answer, which is how payval resolves an ambiguous
// timeout with this partner.

import { randomBytes } from 'node:crypto';
import { parseSandboxPayload, type SandboxRoute } from '../../sandbox/sandbox-payload.js';
import { decideSandboxOutcome, type SandboxStatus } from '../../sandbox/sandbox-rules.js';
import { secretMatches } from '../sim-server.js';
import { BoundedMap, jsonReply, SIM_MAX_TRACKED, type SimProvider, type SimRequest } from '../sim-provider.js';

export interface SandboxSimOptions {
  /** When set, calls must carry it in `x-api-key`. */
  apiKey?: string;
}

const ROUTES: Readonly<Record<string, SandboxRoute>> = {
  '/v1/verifications/bank-account': 'bank-account',
  '/v1/verifications/vpa': 'vpa',
};

interface Stored {
  sandbox_reference: string;
  status: SandboxStatus;
  name_at_bank: string | null;
}

export function createSandboxSim(opts: SandboxSimOptions = {}): SimProvider {
  const answers = new BoundedMap<string, Stored>(SIM_MAX_TRACKED);
  return {
    name: 'sandbox',
    referenceOf: (req: SimRequest) => {
      const ref = (req.body as { reference?: unknown } | undefined)?.reference;
      return typeof ref === 'string' ? ref : null;
    },
    handle(req, ctx) {
      const route = ROUTES[req.path];
      if (route === undefined) return jsonReply(404, { error: 'not_found' });
      if (req.method !== 'POST') return jsonReply(405, { error: 'method_not_allowed' }, { allow: 'POST' });
      if (opts.apiKey !== undefined && !secretMatches(req.headers['x-api-key'], opts.apiKey)) {
        return jsonReply(401, { error: 'unauthorized' });
      }
      if (req.invalidJson) return jsonReply(400, { error: 'invalid_json' });
      const call = parseSandboxPayload(route, req.body);
      if (call === null) return jsonReply(400, { error: 'invalid_request' });

      const stored = answers.get(call.reference);
      if (stored) return jsonReply(200, { reference: call.reference, ...stored });

      const outcome = decideSandboxOutcome(call.input, ctx.callNumber);
      if (outcome.kind === 'hang') return { kind: 'hang' };
      if (outcome.kind === 'error') return jsonReply(outcome.httpStatus, { error: 'sandbox_unavailable' });
      const payee = call.input.type === 'bank_account' ? call.input.accountNumber : call.input.vpa;
      const answer: Stored = {
        sandbox_reference: ctx.answer.reference ?? `sbx_${randomBytes(8).toString('hex')}`,
        status: outcome.status,
        name_at_bank: ctx.answer.name(outcome.nameAtBank, payee),
      };
      answers.set(call.reference, answer);
      ctx.charge(call.reference);
      return jsonReply(200, { reference: call.reference, ...answer });
    },
    reset: () => answers.clear(),
  };
}
