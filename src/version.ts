/** The stoQ API level this engine implements; plugins' `min_stoq_version` is compared with it. */
export const STOQ_API_VERSION = '3.0.1';
/** This package's own version. */
export const VERSION = '0.1.0';
