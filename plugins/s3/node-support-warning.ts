import type { Logger } from 'rxstoq';

/** The AWS SDK's own switch for its NodeVersionSupportWarning (read while a client is built). */
const SDK_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
/** The Node.js major the SDK's releases after the first week of January 2027 require. */
const SDK_NODE_MAJOR = 22;

let noted = false;

/**
 * Build an AWS SDK client without its NodeVersionSupportWarning on stderr: the SDK prints it
 * through process.emitWarning on Node < 22, although the pinned @aws-sdk/client-s3 (package.json)
 * supports Node 20. The notice goes to the plugin's log instead, once per process; the SDK
 * remembers that it warned, so later clients (and the STS/SSO clients it builds for credentials)
 * stay quiet too.
 */
export function buildQuietly<T>(log: Logger, build: () => T): T {
  const major = Number.parseInt(process.versions.node, 10);
  // A switch the user set is theirs to keep; otherwise it is set only while the client is built.
  if (major >= SDK_NODE_MAJOR || process.env[SDK_SWITCH] !== undefined) return build();
  process.env[SDK_SWITCH] = 'true';
  try {
    return build();
  } finally {
    delete process.env[SDK_SWITCH];
    if (!noted) {
      noted = true;
      log.debug(
        { node: process.version },
        `AWS SDK notice: its releases after the first week of January 2027 need Node >= ${SDK_NODE_MAJOR}; rxstoq pins @aws-sdk/client-s3 to a release that supports this Node`,
      );
    }
  }
}
