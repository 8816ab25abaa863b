import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ACCOUNTS } from './support/accounts';
import { startFakeSpeech } from './support/fake-speech';
import { startFakeTwilio, TWILIO } from './support/fake-twilio';

const e2eDir = __dirname;

function serverBinary(): string {
  const bin = process.env.CAREBASE_BIN ?? path.join(e2eDir, '..', 'target', 'debug', 'carebase');
  const resolved = path.resolve(e2eDir, bin);
  if (!existsSync(resolved)) {
    throw new Error(`The server binary ${resolved} does not exist: build it, or set CAREBASE_BIN.`);
  }
  return resolved;
}

function staticDir(): string {
  const dir = path.resolve(e2eDir, process.env.CAREBASE_STATIC_DIR ?? path.join('..', 'frontend', 'dist'));
  if (!existsSync(path.join(dir, 'index.html'))) {
    throw new Error(
      `${dir}/index.html does not exist: build the web app with \`cargo xtask frontend\`, or set CAREBASE_STATIC_DIR.`,
    );
  }
  return dir;
}

/** Whether something already listens on the port, which would answer in our server's place. */
function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv): void {
  const result = spawnSync(bin, args, { env, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `\`carebase ${args.slice(0, 2).join(' ')}\` failed (${result.status ?? result.signal}):\n` +
        `${result.stdout}\n${result.stderr}`,
    );
  }
}

async function waitUntilReady(url: string, server: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`The server exited (${server.exitCode ?? server.signalCode}):\n${tail(logPath)}`);
    }
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The server was not ready at ${url} within 60 s:\n${tail(logPath)}`);
}

function tail(logPath: string): string {
  try {
    return readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n');
  } catch {
    return '(no log)';
  }
}

function stop(server: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (server.exitCode !== null || server.signalCode !== null) return resolve();
    const killTimer = setTimeout(() => server.kill('SIGKILL'), 10_000);
    server.once('exit', () => {
      clearTimeout(killTimer);
      resolve();
    });
    server.kill('SIGTERM');
  });
}

/**
 * Starts the real server on a fresh SQLite database in a temporary directory, with the test
 * accounts, and returns the teardown that stops it and removes the directory.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const bin = serverBinary();
  const dist = staticDir();
  const port = Number(process.env.E2E_PORT ?? 18080);
  if (await portInUse(port)) {
    throw new Error(`Port ${port} is already in use: stop what listens there, or set E2E_PORT.`);
  }

  // Twilio, played locally: the outbox worker sends SMS to it, and it reports their delivery back
  // to the server's signed webhook as Twilio does. Email has no sender, so it stays in the outbox.
  const twilio = await startFakeTwilio();
  process.env.E2E_TWILIO_URL = twilio.url;
  // A speech-to-text service, set up by the tests that need transcripts (as an administrator
  // would, under Integrations); recorded calls have none otherwise.
  const speech = await startFakeSpeech();
  process.env.E2E_SPEECH_URL = speech.url;

  const dataDir = mkdtempSync(path.join(tmpdir(), 'carebase-e2e-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: `sqlite://${dataDir}/e2e.db?mode=rwc`,
    CAREBASE_DATA_DIR: dataDir,
    CAREBASE_STATIC_DIR: dist,
    CAREBASE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    // Every test signs in afresh from one address: lift the per-address limit on sign-ins.
    CAREBASE_AUTH_RATE_PER_MINUTE: '1000',
    CAREBASE_TWILIO__ACCOUNT_SID: TWILIO.accountSid,
    CAREBASE_TWILIO__AUTH_TOKEN: TWILIO.authToken,
    CAREBASE_TWILIO__FROM: TWILIO.from,
    CAREBASE_TWILIO__API_BASE: twilio.url,
  };

  run(bin, ['migrate'], env);
  // The tests read delivered messages (one-time links included) as the server's operator would,
  // with `carebase outbox`: the API never shows those links.
  process.env.E2E_CAREBASE_BIN = bin;
  process.env.E2E_DATABASE_URL = env.DATABASE_URL;
  process.env.E2E_DATA_DIR = dataDir;
  for (const account of ACCOUNTS) {
    run(
      bin,
      [
        'admin', 'create-user',
        '--email', account.email,
        '--password', account.password,
        '--role', account.role,
        '--name', account.name,
      ],
      env,
    );
  }

  const logPath = path.join(dataDir, 'server.log');
  const log = createWriteStream(logPath);
  const server = spawn(bin, ['serve', '--bind', `127.0.0.1:${port}`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);

  try {
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, server, logPath);
  } catch (error) {
    await stop(server);
    await twilio.stop();
    await speech.stop();
    throw error;
  }

  return async () => {
    await stop(server);
    await twilio.stop();
    await speech.stop();
    log.end();
    if (process.env.E2E_KEEP_DATA) {
      console.log(`Kept the test database and server log in ${dataDir}`);
    } else {
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
}
