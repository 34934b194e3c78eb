// The TOTP enrolment QR code as inline SVG markup (no image request, no script): `qrcode` builds it.
import QRCode from 'qrcode';
import { raw, type Html } from './html.js';

export async function totpQrSvg(uri: string): Promise<Html> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 200 });
  // qrcode's SVG has no title; screen readers get one, the key is printed beside it.
  return raw(svg.replace('<svg ', '<svg role="img" aria-label="QR code for your authenticator app" '));
}
