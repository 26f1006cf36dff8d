import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT } from '../../test/helpers/cli.js';

// The AWS SDK warns through process.emitWarning on Node < 22 when a client is built; only a
// fresh process shows whether that reaches stderr, so each case runs the built plugin in one.
const sdkWarns = Number.parseInt(process.versions.node, 10) < 22;

function runModule(source: string) {
  const ran = spawnSync(process.execPath, ['--input-type=module', '-e', source], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8' });
  expect(ran.status, ran.stderr).toBe(0);
  return ran;
}

describe.runIf(sdkWarns)("the AWS SDK's NodeVersionSupportWarning", () => {
  it('reaches stderr from a bare S3Client (the case the plugin guards against)', () => {
    const ran = runModule("import { S3Client } from '@aws-sdk/client-s3'; new S3Client({ region: 'us-east-1' });");
    expect(ran.stderr).toContain('NodeVersionSupportWarning');
  });

  it('goes to the s3 plugin log once, not to stderr, and the SDK switch is left as it was', () => {
    const ran = runModule(`
      import { Stoq } from 'rxstoq';
      const stoq = new Stoq({ logLevel: 'debug' });
      const s3 = await stoq.loadPlugin('s3');
      s3.client;
      await s3.close();
      s3.client;
      await stoq.close();
      process.stdout.write(String(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED));
    `);
    expect(ran.stderr).not.toContain('Warning: NodeVersionSupportWarning');
    const notices = ran.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { plugin?: string; level: number; msg: string })
      .filter((entry) => entry.msg.startsWith('AWS SDK notice'));
    expect(notices).toEqual([expect.objectContaining({ plugin: 's3', level: 20 })]);
    expect(ran.stdout).toBe('undefined');
  });
});
