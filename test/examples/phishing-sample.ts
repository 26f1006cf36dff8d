import { WORD_PROJECT } from '../../plugins/vba/fixtures/samples.js';
import { wordDocument } from '../../plugins/vba/fixtures/vba-builder.js';
import { zip } from '../support/formats.js';

/**
 * A phishing email as they arrive: a short note and invoice.zip, which holds invoice.doc, whose
 * Document_Open macro downloads and runs an executable (the vba tests' dropper project).
 */
export function phishingEmail(): Buffer {
  const archive = zip([{ name: 'invoice.doc', data: wordDocument(WORD_PROJECT) }]);
  const base64 = archive
    .toString('base64')
    .replace(/(.{76})/g, '$1\r\n')
    .trimEnd();
  return Buffer.from(
    [
      'Received: from mail.attacker.example (mail.attacker.example [203.0.113.7]) by mx.example.org with ESMTP id 4711; Mon, 30 Nov 2026 09:12:00 +0000',
      'From: "Accounts" <billing@attacker.example>',
      'To: victim@example.org',
      'Subject: Overdue invoice',
      'Date: Mon, 30 Nov 2026 09:11:58 +0000',
      'Message-ID: <4711@attacker.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Please find the overdue invoice attached; open it and enable editing.',
      '--b1',
      'Content-Type: application/zip; name="invoice.zip"',
      'Content-Disposition: attachment; filename="invoice.zip"',
      'Content-Transfer-Encoding: base64',
      '',
      base64,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}
