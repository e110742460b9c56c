import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APP_DIR, INFRA_DIR } from './support';

/**
 * The container files, checked without a Docker engine (none runs here): dockerfilelint on the
 * Dockerfile, and the structure every target must keep. That the standalone output the image
 * copies really builds and serves the app is proven in the app's tests/deploy/.
 */

const dockerfile = readFileSync(path.join(APP_DIR, 'Dockerfile'), 'utf8');

interface Stage {
  name: string;
  from: string;
  lines: string[];
}

/** The Dockerfile's stages, with continuation lines joined. */
function stages(): Stage[] {
  const instructions = dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const result: Stage[] = [];
  for (const line of instructions) {
    const from = /^FROM\s+(\S+)\s+AS\s+(\S+)$/i.exec(line);
    if (from) result.push({ name: from[2]!, from: from[1]!, lines: [] });
    else result[result.length - 1]?.lines.push(line);
  }
  return result;
}

function stage(name: string): Stage {
  const found = stages().find((s) => s.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
}

describe('Dockerfile', () => {
  it('passes dockerfilelint with no issue', async () => {
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [
          path.join(INFRA_DIR, 'node_modules/dockerfilelint/bin/dockerfilelint'),
          '-o',
          'json',
          path.join(APP_DIR, 'Dockerfile'),
        ],
        (error, stdout) => (stdout ? resolve(stdout) : reject(error)),
      ),
    );
    const report = JSON.parse(output) as { totalIssues: number; files: { issues: unknown[] }[] };
    expect(report.files[0]!.issues).toEqual([]);
    expect(report.totalIssues).toBe(0);
  });

  it('ends with the standalone runtime, so a plain `docker build` makes the AWS-mode image', () => {
    const all = stages();
    expect(all[all.length - 1]!.name).toBe('runtime');
    expect(stage('build').lines).toContainEqual(expect.stringContaining('NEXT_OUTPUT=standalone npm run build'));
    expect(stage('runtime').lines).toContain('CMD ["node", "scripts/next-server.mjs"]');
    expect(stage('runtime').lines).toContainEqual(
      expect.stringMatching(/^COPY --from=build .*\/app\/\.next\/standalone \.\/$/),
    );
    expect(stage('runtime').lines).toContainEqual(
      expect.stringMatching(/^COPY --from=build .*\/app\/\.next\/static \.\/\.next\/static$/),
    );
  });

  it('takes nothing into the final images from the stage with dev dependencies but the build output', () => {
    for (const name of ['runtime', 'embedded']) {
      const copies = stage(name).lines.filter((line) => line.startsWith('COPY --from='));
      expect(copies.some((line) => line.includes('--from=deps'))).toBe(false);
    }
    expect(stage('production-deps').lines).toContain('RUN npm prune --omit=dev --no-audit --no-fund');
    expect(stage('embedded').lines).toContainEqual(
      expect.stringMatching(/^COPY --from=production-deps .*\/app\/node_modules/),
    );
  });

  it('runs both final images as the unprivileged node user, with a health check on /api/health', () => {
    for (const name of ['runtime', 'embedded']) {
      const lines = stage(name).lines;
      const user = lines.indexOf('USER node');
      expect(user).toBeGreaterThan(-1);
      expect(lines.slice(user + 1).some((line) => /^(RUN|COPY|ADD)\b/.test(line))).toBe(false);
      expect(lines.find((line) => line.startsWith('HEALTHCHECK'))).toContain('/api/health');
      expect(lines.some((line) => /^ENV .*NODE_ENV=production/.test(line))).toBe(true);
    }
  });

  it('runs the embedded image through the launcher with EMBEDDED=1, on sources that exist', () => {
    const lines = stage('embedded').lines;
    expect(lines.some((line) => /^ENV .*EMBEDDED=1/.test(line))).toBe(true);
    expect(lines).toContain('CMD ["node_modules/.bin/tsx", "--conditions=react-server", "scripts/run.ts", "start"]');
    const fromContext = lines.filter((line) => /^COPY (--chown=\S+ )?[^-]/.test(line));
    for (const line of fromContext) {
      const sources = line
        .replace(/^COPY (--chown=\S+ )?/, '')
        .split(/\s+/)
        .slice(0, -1);
      for (const source of sources) expect(existsSync(path.join(APP_DIR, source)), source).toBe(true);
    }
  });

  it("builds and runs every stage on one Node LTS image, the Lambdas' major, within the app's engines", () => {
    const images = new Set(stages().map((s) => s.from));
    expect([...images]).toEqual([expect.stringMatching(/^node:(22|24)-bookworm-slim$/)]);
    const major = /^node:(\d+)-/.exec([...images][0]!)![1];
    const stack = readFileSync(path.join(INFRA_DIR, 'lib/cognito-passkeys-stack.ts'), 'utf8');
    expect(stack).toContain(`lambda.Runtime.NODEJS_${major}_X`);
    const engines = (
      JSON.parse(readFileSync(path.join(APP_DIR, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    expect(engines.split(/\s*\|\|\s*/)).toContainEqual(expect.stringMatching(new RegExp(`^\\^${major}\\.`)));
  });

  it('binds the standalone server to every interface, not the container’s own hostname', () => {
    expect(stage('runtime').lines.some((line) => /^ENV .*HOSTNAME=0\.0\.0\.0/.test(line))).toBe(true);
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, local data, installed modules and builds out of the build context', () => {
    const ignored = readFileSync(path.join(APP_DIR, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    for (const entry of ['.env', '.env.*', '.data', 'node_modules', '.next', 'dist', 'infra', '.git'])
      expect(ignored).toContain(entry);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(path.join(APP_DIR, 'docker-compose.yml'), 'utf8')) as {
    services: Record<
      string,
      {
        build: { target: string };
        profiles?: string[];
        environment?: Record<string, string>;
        env_file?: { path: string; required: boolean }[];
        ports: string[];
      }
    >;
  };

  it('starts the standalone image on port 3000 with the optional .env by default', () => {
    const app = compose.services.app!;
    expect(app.build.target).toBe('runtime');
    expect(app.profiles).toBeUndefined();
    expect(app.env_file).toEqual([{ path: '.env', required: false }]);
    expect(app.ports).toEqual(['3000:3000']);
  });

  it('offers the embedded image behind the "embedded" profile, built from a target the Dockerfile has', () => {
    const embedded = compose.services.embedded!;
    expect(embedded.profiles).toEqual(['embedded']);
    expect(embedded.build.target).toBe('embedded');
    expect(embedded.environment?.EMBEDDED).toBe('1');
    const targets = stages().map((s) => s.name);
    for (const service of Object.values(compose.services)) expect(targets).toContain(service.build.target);
  });
});
