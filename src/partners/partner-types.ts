// The partner boundary: the domain and workers depend on these types only, never on a partner's DTOs.

export type Rail = 'IMPS' | 'NEFT' | 'UPI';

export type AccountStatus = 'valid' | 'invalid' | 'blocked' | 'closed' | 'nre' | 'frozen' | 'dormant';

/** `reference` is payval's validation id, stable across retries so partners can de-duplicate. */
export type PartnerRequest = { reference: string; rail: Rail } & (
  | { type: 'bank_account'; accountNumber: string; ifsc: string }
  | { type: 'vpa'; vpa: string }
);

export interface PartnerResult {
  accountStatus: AccountStatus;
  registeredName: string | null;
  partnerReference: string;
}

export interface PartnerConnector {
  readonly name: string;
  readonly rails: readonly Rail[];
  /** Resolves with a definitive answer (including negative ones); rejects only with partner errors. */
  verify(req: PartnerRequest, signal: AbortSignal): Promise<PartnerResult>;
  close(): Promise<void>;
}
