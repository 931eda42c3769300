import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { eventually } from './eventually';

/** One message as the server received it. */
export interface ReceivedMail {
  /** SMTP envelope (MAIL FROM / RCPT TO). */
  envelope: { from: string | null; to: string[] };
  /** The message parsed with mailparser: headers, text, html. */
  parsed: ParsedMail;
  raw: string;
  /** Whether the session was encrypted (implicit TLS or STARTTLS). */
  secure: boolean;
  /** The authenticated user, if the client logged in. */
  user: string | null;
}

/** An SMTP reply code and text the server answers with instead of accepting. */
export interface SmtpRejection {
  code: number;
  message: string;
}

export interface FakeSmtpOptions {
  port?: number;
  /** Require this login (AUTH PLAIN/LOGIN, allowed without TLS so tests need no certificate). */
  auth?: { user: string; pass: string };
  /** Certificate and key for STARTTLS (and implicit TLS with `secure`). */
  tls?: { key: string; cert: string };
  /** Implicit TLS from the first byte (SMTPS, port 465 style). */
  secure?: boolean;
  /** Neither offer nor accept STARTTLS (it is off anyway without `tls`). */
  hideStartTls?: boolean;
}

const rejection = (r: SmtpRejection): Error => Object.assign(new Error(r.message), { responseCode: r.code });

/**
 * A real SMTP server (`smtp-server`) on loopback that keeps what it receives, parsed with
 * `mailparser`. It can refuse recipients (RCPT) or messages (DATA) with any reply code, and
 * stop and start again on the same port to play a provider outage.
 */
export class FakeSmtpServer {
  readonly received: ReceivedMail[] = [];
  /** Answer RCPT TO for an address with this rejection. */
  readonly rejectRecipients = new Map<string, SmtpRejection>();
  /** Answer DATA with this rejection (after reading the message). */
  rejectData: SmtpRejection | null = null;
  /** TCP connections accepted so far. */
  connections = 0;
  port = 0;
  private server: SMTPServer | null = null;

  private constructor(private readonly options: FakeSmtpOptions) {}

  static async start(options: FakeSmtpOptions = {}): Promise<FakeSmtpServer> {
    const fake = new FakeSmtpServer(options);
    await fake.listen(options.port ?? 0);
    return fake;
  }

  get running(): boolean {
    return this.server !== null;
  }

  private async listen(port: number): Promise<void> {
    const { auth, tls, secure, hideStartTls } = this.options;
    const serverOptions: SMTPServerOptions = {
      secure: secure ?? false,
      ...(tls ? { key: tls.key, cert: tls.cert } : {}),
      authOptional: !auth,
      allowInsecureAuth: true,
      // Without a certificate of ours (or when told to), STARTTLS is not offered nor accepted.
      disabledCommands: [...(auth ? [] : ['AUTH']), ...((hideStartTls ?? !tls) ? ['STARTTLS'] : [])],
      logger: false,
      closeTimeout: 200,
      onConnect: (_session, callback) => {
        this.connections += 1;
        callback();
      },
      onAuth: (login, _session, callback) => {
        if (auth && login.username === auth.user && login.password === auth.pass) {
          callback(null, { user: login.username });
          return;
        }
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onRcptTo: (address, _session, callback) => {
        const refusal = this.rejectRecipients.get(address.address.toLowerCase());
        callback(refusal ? rejection(refusal) : null);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if (this.rejectData) {
            callback(rejection(this.rejectData));
            return;
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw)
            .then((parsed) => {
              const from = session.envelope.mailFrom;
              this.received.push({
                envelope: {
                  from: from ? from.address : null,
                  to: session.envelope.rcptTo.map((r) => r.address),
                },
                parsed,
                raw,
                secure: session.secure,
                user: typeof session.user === 'string' ? session.user : null,
              });
              callback(null, `2.0.0 Ok: queued as FAKE${this.received.length}`);
            })
            .catch((error: Error) => callback(error));
        });
      },
    };
    const server = new SMTPServer(serverOptions);
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening (clients then get "connection refused") and drops open sessions. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async restart(): Promise<void> {
    if (!this.server) await this.listen(this.port);
  }

  /** Messages whose envelope includes `address`. */
  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.envelope.to.includes(address));
  }

  /** The settings that send an app's mail here. */
  env(): Record<string, string> {
    return {
      EMAIL_PROVIDER: 'smtp',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(this.port),
      SMTP_SECURE: 'none',
      EMAIL_FROM: 'Bastion <no-reply@bastion.example>',
    };
  }

  /**
   * Waits for the `count`-th mail to `address` whose subject matches, and returns the one-time
   * token of the console link (`#/<page>?token=…`) in the last such mail.
   */
  async linkToken(address: string, subject: RegExp, page: string, count = 1): Promise<string> {
    const matching = () => this.to(address).filter((m) => subject.test(m.parsed.subject ?? ''));
    await eventually(() => matching().length >= count);
    const mails = matching();
    const text = mails[mails.length - 1].parsed.text ?? '';
    const match = new RegExp(`/console/#/${page}\\?token=([A-Za-z0-9_-]{43})`).exec(text);
    if (!match) throw new Error(`no ${page} link in: ${text}`);
    return match[1];
  }
}

/** A TCP server that accepts connections and never says a word (an SMTP server that hangs). */
export async function startSilentServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on (bound, read, released). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
