/** Base of every exception rxstoq throws on purpose (upstream: three unrelated classes). */
export class StoqException extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoqException';
  }
}

/** A plugin misbehaved or was misconfigured; the message names the plugin. */
export class StoqPluginException extends StoqException {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoqPluginException';
  }
}

/** No plugin of that name is in the plugin path. */
export class StoqPluginNotFound extends StoqException {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoqPluginNotFound';
  }
}

/**
 * `${msg}: ${where} ; ${name}: ${message}` — upstream's `format_exc` shape, so tools that grep
 * error text keep working; `where` is the innermost stack frame.
 */
export function formatError(err: unknown, msg?: string): string {
  let text: string;
  if (err instanceof Error) {
    const frame = err.stack
      ?.split('\n')
      .find((l) => l.trimStart().startsWith('at '))
      ?.trim();
    text = `${frame ? `${frame} ; ` : ''}${err.name}: ${err.message}`;
  } else {
    text = String(err);
  }
  return msg ? `${msg}: ${text}` : text;
}
