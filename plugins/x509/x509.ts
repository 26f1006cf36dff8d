import { WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { type CertificateInfo, describeCertificate } from './certificate.js';
import { findCertificates } from './containers.js';

const OptionsSchema = z.object({
  /** Largest payload read, in bytes. */
  max_size: z.number().int().positive().default(10_000_000),
  /** At most this many certificates reported per payload. */
  max_certificates: z.number().int().positive().default(100),
  /** At most this many subject alternative names reported per certificate. */
  max_alt_names: z.number().int().positive().default(1000),
});

/**
 * X.509 certificates in PEM or DER, alone or in PKCS#7 SignedData bundles (`openssl crl2pkcs7`
 * output, Authenticode signatures): names, serial, validity, alternative names, key, signature
 * algorithm, fingerprints and whether each is self-signed. A certificate that cannot be read is
 * an error; the others in the payload are still reported.
 */
export class X509Plugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;
  /** Its answers depend on the content and options only: the same content under any name is a cache hit. */
  static override cacheMetaKeys: readonly string[] = [];

  scan(payload: Payload): WorkerResponse {
    const { max_size: maxSize, max_certificates: maxCertificates, max_alt_names: maxAltNames } = this.options;
    const size = payload.content.byteLength;
    if (size > maxSize) throw new Error(`payload of ${size} bytes is larger than max_size (${maxSize})`);
    let found: ReturnType<typeof findCertificates>;
    try {
      found = findCertificates(payload.content, maxCertificates);
    } catch (err) {
      throw new Error(`no certificate could be read: ${(err as Error).message}`, { cause: err });
    }
    const certificates: CertificateInfo[] = [];
    const errors = [...found.errors];
    for (const { der, source } of found.certificates) {
      try {
        certificates.push(describeCertificate(der, { maxAltNames }));
      } catch (err) {
        errors.push(`${source}: ${(err as Error).message}`);
      }
    }
    if (certificates.length === 0 && errors.length > 0) throw new Error(`no certificate could be read: ${errors.join('; ')}`);
    return new WorkerResponse({ results: { format: found.format, containers: found.containers, certificates }, errors });
  }
}
