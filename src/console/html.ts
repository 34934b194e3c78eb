// HTML built with a tagged template that escapes every interpolated value unless it is already HTML.
// Pages never concatenate strings into markup, so user data (names, references, URLs) cannot become
// markup or script.

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export const escapeHtml = (s: string): string => s.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** Markup from a trusted constant (never from input). */
export const raw = (s: string): Html => new Html(s);

/** A date as the pages show it: UTC, to the second, in a <time> element. */
export const time = (d: Date | string | null | undefined): Html => {
  if (!d) return html`<span class="muted">—</span>`;
  const iso = typeof d === 'string' ? d : d.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')} UTC</time>`;
};
