import { describe, expect, it } from 'vitest';
import { STOQ_API_VERSION, StoqMetrics, VERSION } from 'rxstoq';

describe('stoq_build_info', () => {
  it('is 1, labelled with the rxstoq version, the stoQ API level and the Node.js version', async () => {
    const text = await new StoqMetrics({ processMetrics: false }).text();
    expect(text).toContain('# TYPE stoq_build_info gauge');
    expect(text).toContain(`stoq_build_info{version="${VERSION}",api_version="${STOQ_API_VERSION}",node_version="${process.version}"} 1`);
  });
});
