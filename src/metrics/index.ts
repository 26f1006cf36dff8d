export { startMetricsServer, type MetricsServer } from './metrics-server.js';
export { StoqMetrics, type StoqMetricsOptions } from './stoq-metrics.js';
