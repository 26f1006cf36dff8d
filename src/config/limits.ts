/**
 * Budgets that keep one hostile file from exhausting the scanner. Each one, when hit, records a
 * structured error with a stable `code` in the response — never a silent drop.
 */
export interface Limits {
  /** Bytes; a larger payload is recorded (with its size) but not scanned. Code PAYLOAD_TOO_LARGE. */
  maxPayloadSize: number;
  /** Extracted payloads accepted from one payload (all its workers together). Code EXTRACTED_PER_PAYLOAD_LIMIT. */
  maxExtractedPerPayload: number;
  /** Extracted payloads accepted in one request. Code EXTRACTED_PER_REQUEST_LIMIT. */
  maxExtractedPerRequest: number;
  /** Total bytes of extracted payloads in one request. Code EXTRACTED_BYTES_LIMIT. */
  maxExtractedBytes: number;
  /**
   * Total bytes of extracted payloads held by all requests in flight together (one engine, which
   * is one `Stoq` instance), released as each request finishes: N requests can no longer hold
   * N × maxExtractedBytes. Code EXTRACTED_BYTES_IN_FLIGHT_LIMIT.
   */
  maxInFlightExtractedBytes: number;
  /**
   * Bytes extracted from one payload divided by its size (zip bombs). Content beyond it is
   * dropped. Code COMPRESSION_RATIO_LIMIT.
   */
  maxCompressionRatio: number;
}

const MiB = 1024 * 1024;

/** Defaults safe for an unattended scanner on a machine with a few GiB of memory. */
export const DEFAULT_LIMITS: Limits = {
  maxPayloadSize: 256 * MiB,
  maxExtractedPerPayload: 10_000,
  maxExtractedPerRequest: 50_000,
  maxExtractedBytes: 1024 * MiB,
  maxInFlightExtractedBytes: 2048 * MiB,
  maxCompressionRatio: 1_000,
};

export const LIMIT_CODES = {
  payloadSize: 'PAYLOAD_TOO_LARGE',
  perPayload: 'EXTRACTED_PER_PAYLOAD_LIMIT',
  perRequest: 'EXTRACTED_PER_REQUEST_LIMIT',
  bytes: 'EXTRACTED_BYTES_LIMIT',
  inFlightBytes: 'EXTRACTED_BYTES_IN_FLIGHT_LIMIT',
  ratio: 'COMPRESSION_RATIO_LIMIT',
} as const;
