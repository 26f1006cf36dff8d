import type { Encryption } from './encryption.js';
import type { PropertyValue } from './property-set.js';

export interface OleEntry {
  /** Storage names and the entry's name joined with '/'. */
  path: string;
  type: 'storage' | 'stream';
  /** Bytes (0 for storages). */
  size: number;
  clsid: string | null;
  created: string | null;
  modified: string | null;
}

export interface OleResult {
  major_version: number;
  minor_version: number;
  sector_size: number;
  root: { name: string; clsid: string | null; created: string | null; modified: string | null } | null;
  stream_count: number;
  storage_count: number;
  entries: OleEntry[];
  summary_information: Record<string, PropertyValue> | null;
  document_summary_information: Record<string, PropertyValue> | null;
  user_defined_properties: Record<string, PropertyValue> | null;
  encryption: Encryption;
  ole10native: Array<{ path: string; label: string; source_path: string; temp_path: string; size: number }>;
}
