// The "validate one payee" form: reading it into the service's input, and drawing it (again, after a
// failure, with what was typed except anything that could be an account number).
import type { Request } from 'express';
import { AppError } from '../../platform/app-error.js';
import { isReferenceId } from '../../batches/csv-row.js';
import type { CreateValidationInput } from '../../validations/validation-service.js';
import { csrfField, field } from '../forms.js';
import { html, raw, type Html } from '../html.js';

/** Upper bounds per field (openapi.yaml's CreateValidationRequest, tighter where a payee never needs more). */
const MAX = { type: 20, account_number: 35, ifsc: 20, rail: 10, vpa: 320, name: 200, reference_id: 64 } as const;

export interface ValidateFormValues {
  type: 'bank_account' | 'vpa';
  ifsc: string;
  rail: 'IMPS' | 'NEFT';
  vpa: string;
  name: string;
  reference_id: string;
}

export const EMPTY_FORM: ValidateFormValues = { type: 'bank_account', ifsc: '', rail: 'IMPS', vpa: '', name: '', reference_id: '' };

/**
 * The input for `ValidationService.create`: only the chosen type's fields (the other type's are
 * ignored), blanks left out. The payee checks themselves are the service's.
 */
export function readValidateForm(req: Request): CreateValidationInput {
  const type = field(req, 'type', { max: MAX.type });
  const name = field(req, 'name', { max: MAX.name });
  const reference = field(req, 'reference_id', { max: MAX.reference_id });
  if (reference !== '' && !isReferenceId(reference)) {
    throw new AppError('console.invalid_input', 'The reference id may hold only letters, digits and . _ : / - (at most 64 characters).');
  }
  const common = { ...(name !== '' ? { name } : {}), ...(reference !== '' ? { reference_id: reference } : {}) };
  if (type === 'bank_account') {
    const account_number = field(req, 'account_number', { max: MAX.account_number });
    const ifsc = field(req, 'ifsc', { max: MAX.ifsc });
    const rail = field(req, 'rail', { max: MAX.rail });
    return { type, bank_account: { account_number, ifsc }, ...(rail !== '' ? { rail } : {}), ...common };
  }
  if (type === 'vpa') return { type, vpa: field(req, 'vpa', { max: MAX.vpa }), ...common };
  throw new AppError('console.invalid_input', 'Choose a bank account or a UPI VPA.');
}

/** A value typed in the form, to show again; '' when it is not one string within bounds or could be an account number. */
function typed(req: Request, name: keyof typeof MAX): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  if (typeof v !== 'string' || v.length > MAX[name]) return '';
  // A value typed into the wrong box may be an account number (as the payee pre-check fears for IFSCs and VPAs).
  // Any script's digits, whatever separates them (5010.0012.3456.78, ５０１０…, ५०१०…).
  return (v.match(/\p{Nd}/gu)?.length ?? 0) >= 9 ? '' : v;
}

/** What the form shows again after a failure. The account number is never among them. */
export function typedValues(req: Request): ValidateFormValues {
  return {
    type: typed(req, 'type') === 'vpa' ? 'vpa' : 'bank_account',
    ifsc: typed(req, 'ifsc'),
    rail: typed(req, 'rail').toUpperCase() === 'NEFT' ? 'NEFT' : 'IMPS',
    vpa: typed(req, 'vpa'),
    name: typed(req, 'name'),
    reference_id: typed(req, 'reference_id'),
  };
}

/** The form input a service error names (`details.field`), to mark it invalid. */
export function invalidInput(err: unknown): string | null {
  const f = err instanceof AppError ? err.details?.field : undefined;
  return typeof f === 'string' ? (f.split('.').pop() ?? null) : null;
}

const checked = (on: boolean) => (on ? raw(' checked') : '');

export function validateForm(csrf: string, v: ValidateFormValues, invalid: string | null): Html {
  const mark = (name: string) => (invalid === name ? raw(' aria-invalid="true"') : '');
  return html`<p>Checks that the account or VPA exists and compares the name the bank holds with the name you expect.
Fill in the fields of the type you choose; the others are ignored.</p>
<form method="post" action="/console/validate" class="stack">
${csrfField(csrf)}
<fieldset>
  <legend>Payee type</legend>
  <input type="radio" id="type-bank" name="type" value="bank_account"${checked(v.type === 'bank_account')}> <label for="type-bank">Bank account</label>
  <input type="radio" id="type-vpa" name="type" value="vpa"${checked(v.type === 'vpa')}> <label for="type-vpa">UPI VPA</label>
</fieldset>
<fieldset>
  <legend>Bank account</legend>
  <label for="account_number">Account number</label>
  <input id="account_number" name="account_number" inputmode="numeric" autocomplete="off" maxlength="${MAX.account_number}" value=""${mark('account_number')}>
  <label for="ifsc">IFSC</label>
  <input id="ifsc" name="ifsc" autocomplete="off" autocapitalize="characters" maxlength="${MAX.ifsc}" value="${v.ifsc}"${mark('ifsc')}>
  <fieldset>
    <legend>Rail</legend>
    <input type="radio" id="rail-imps" name="rail" value="IMPS"${checked(v.rail === 'IMPS')}> <label for="rail-imps">IMPS</label>
    <input type="radio" id="rail-neft" name="rail" value="NEFT"${checked(v.rail === 'NEFT')}> <label for="rail-neft">NEFT</label>
  </fieldset>
</fieldset>
<fieldset>
  <legend>UPI</legend>
  <label for="vpa">VPA (handle@psp)</label>
  <input id="vpa" name="vpa" autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="${MAX.vpa}" value="${v.vpa}"${mark('vpa')}>
</fieldset>
<label for="name">Expected payee name</label>
<input id="name" name="name" autocomplete="off" maxlength="${MAX.name}" value="${v.name}"${mark('name')}>
<label for="reference_id">Reference id (optional)</label>
<input id="reference_id" name="reference_id" autocomplete="off" maxlength="${MAX.reference_id}" pattern="[A-Za-z0-9._:\\/\\-]+" value="${v.reference_id}">
<button type="submit">Validate</button>
</form>`;
}
