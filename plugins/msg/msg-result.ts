import type { Encapsulation } from './rtf-html.js';

export interface Address {
  name: string | null;
  address: string | null;
}

export interface Recipient extends Address {
  /** PR_ADDRTYPE: SMTP, EX, ... */
  address_type: string | null;
}

export interface EmbeddedSummary {
  message_class: string | null;
  subject: string | null;
  from: Address;
  date: string | null;
  attachment_count: number;
}

export interface AttachmentResult {
  index: number;
  filename: string | null;
  content_type: string | null;
  size: number | null;
  content_id: string | null;
  /** PidTagAttachMethod by name: by_value, embedded_message, ole, by_reference, ... */
  method: string;
  method_value: number | null;
  extension: string | null;
  /** Set when the attachment is a message: what it says about itself (its own scan has the rest). */
  embedded_message?: EmbeddedSummary;
  /** Whether its content was extracted as a payload. */
  extracted: boolean;
}

export interface MsgResult {
  message_class: string | null;
  subject: string | null;
  from: Address;
  /** PR_SENDER_*, listed when it differs from `from` (PR_SENT_REPRESENTING_*: mail sent on behalf of). */
  sender: Address | null;
  to: Recipient[];
  cc: Recipient[];
  bcc: Recipient[];
  display_to: string | null;
  display_cc: string | null;
  date: string | null;
  date_source: 'client_submit_time' | 'message_delivery_time' | 'creation_time' | null;
  message_id: string | null;
  in_reply_to: string | null;
  headers: Record<string, string[]>;
  received: string[];
  body: string | null;
  body_html: string | null;
  /** Where body_html came from: PR_HTML, or HTML de-encapsulated from the compressed RTF body. */
  body_html_source: 'pr_html' | 'rtf' | null;
  /** Texts longer than max_result_text are cut in results (the extracted payloads are whole). */
  truncated: string[];
  rtf: { size: number; encapsulation: Encapsulation } | null;
  urls: string[];
  attachments: AttachmentResult[];
  embedded_message_count: number;
  /** The code page PT_STRING8 strings were decoded with (see README). */
  codepage: number;
}
