/**
 * A real headless Chromium (Debian's `chromium`, installed by scripts/test_tools.sh) driven over
 * the DevTools protocol, to check pages as a browser sees them: console messages, exceptions,
 * every request the page makes, the DOM, screenshots.
 *
 * The protocol runs over --remote-debugging-pipe (fds 3 and 4, wired by sh), not a TCP port:
 * nothing to race for or parse from stderr, no network permission for the tests, and the browser
 * ends when the pipe closes. Events are the protocol's own (Runtime.consoleAPICalled,
 * Runtime.exceptionThrown, Log.entryAdded, Network.requestWillBeSent), so no log line format is
 * guessed at.
 */

/** Where Debian puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/** Something the page said or did that a check may care about. */
export interface PageEvent {
  kind: "console" | "exception" | "log" | "request";
  text: string;
}

/** One browser with one page. */
export class Browser implements AsyncDisposable {
  readonly events: PageEvent[] = [];
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #nextId = 1;
  #pending = new Map<number, { resolve(m: Message): void; reject(e: Error): void }>();
  #waiters: { method: string; resolve(m: Message): void }[] = [];
  #session = "";
  #profile: string;
  #reading: Promise<void>;
  #stderr: Promise<string>;

  private constructor(child: Deno.ChildProcess, profile: string) {
    this.#child = child;
    this.#profile = profile;
    this.#writer = child.stdin.getWriter();
    this.#reading = this.#read();
    this.#stderr = new Response(child.stderr).text();
  }

  /** Starts the browser with an empty page of `width` x `height` CSS pixels. */
  static async launch(width = 1400, height = 900): Promise<Browser> {
    const profile = await Deno.makeTempDir({ prefix: "dockswap-db-chromium-" });
    const flags = [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--hide-scrollbars",
      "--remote-debugging-pipe",
      `--user-data-dir=${profile}`,
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-extensions",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--window-size=${width},${height}`,
      "about:blank",
    ];
    const quoted = flags.map((f) => `'${f.replaceAll("'", `'\\''`)}'`).join(" ");
    // fd 3 reads our commands, fd 4 carries its answers; its own stdout is not the protocol.
    const child = new Deno.Command("sh", {
      args: ["-c", `exec ${CHROMIUM} ${quoted} 3<&0 4>&1 1>/dev/null 0</dev/null`],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const browser = new Browser(child, profile);
    const { targetInfos } = await browser.send("Target.getTargets") as {
      targetInfos: { targetId: string; type: string }[];
    };
    // The first tab may not exist yet when the pipe answers: then open one.
    const targetId = targetInfos.find((t) => t.type === "page")?.targetId ??
      (await browser.send("Target.createTarget", { url: "about:blank" }) as { targetId: string })
        .targetId;
    const { sessionId } = await browser.send("Target.attachToTarget", {
      targetId,
      flatten: true,
    }) as { sessionId: string };
    browser.#session = sessionId;
    for (const domain of ["Page", "Runtime", "Log", "Network"]) {
      await browser.page(`${domain}.enable`);
    }
    await browser.page("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    return browser;
  }

  /** Sends a browser-level command and waits for its answer. */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string) {
    const id = this.#nextId++;
    const message: Message & { params: unknown } = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    const answer = new Promise<Message>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    const bytes = new TextEncoder().encode(JSON.stringify(message) + "\0");
    return this.#writer.write(bytes).then(() => answer).then((m) => {
      if (m.error) throw new Error(`${method}: ${m.error.message}`);
      return m.result ?? {};
    });
  }

  /** Sends a command to the page. */
  page(method: string, params: Record<string, unknown> = {}) {
    return this.send(method, params, this.#session);
  }

  /** Opens `url` and waits for its load event (and a moment for late messages). */
  async open(url: string): Promise<void> {
    const loaded = this.#next("Page.loadEventFired");
    const result = await this.page("Page.navigate", { url }) as { errorText?: string };
    if (result.errorText) throw new Error(`chromium cannot open ${url}: ${result.errorText}`);
    await loaded;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  /** The value of a JavaScript expression evaluated in the page. */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.page("Runtime.evaluate", {
      expression,
      returnByValue: true,
    }) as { result: { value: T }; exceptionDetails?: { text: string } };
    if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.text}`);
    return result.value;
  }

  /** A PNG of the viewport (or of the whole page). */
  async screenshot(fullPage = false): Promise<Uint8Array> {
    const { data } = await this.page("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: fullPage,
    }) as { data: string };
    return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  }

  /** Everything the page logged or fetched, except loading `url` itself. */
  eventsBesides(url: string): PageEvent[] {
    return this.events.filter((e) => !(e.kind === "request" && e.text === url));
  }

  #next(method: string): Promise<Message> {
    return new Promise((resolve) => this.#waiters.push({ method, resolve }));
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of this.#child.stdout) {
      buffered += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffered.indexOf("\0")) >= 0) {
        this.#receive(JSON.parse(buffered.slice(0, end)));
        buffered = buffered.slice(end + 1);
      }
    }
    for (const { reject } of this.#pending.values()) reject(new Error("chromium went away"));
  }

  #receive(message: Message): void {
    if (message.id !== undefined) {
      this.#pending.get(message.id)?.resolve(message);
      this.#pending.delete(message.id);
      return;
    }
    const params = message.params ?? {};
    switch (message.method) {
      case "Runtime.consoleAPICalled": {
        const args = (params.args as { value?: unknown; description?: string }[]) ?? [];
        const text = args.map((a) => String(a.value ?? a.description ?? "")).join(" ");
        this.events.push({ kind: "console", text: `${params.type}: ${text}` });
        break;
      }
      case "Runtime.exceptionThrown":
        this.events.push({ kind: "exception", text: JSON.stringify(params.exceptionDetails) });
        break;
      case "Log.entryAdded": {
        const entry = params.entry as { level: string; text: string; source: string };
        this.events.push({ kind: "log", text: `${entry.level} ${entry.source}: ${entry.text}` });
        break;
      }
      case "Network.requestWillBeSent":
        this.events.push({ kind: "request", text: (params.request as { url: string }).url });
        break;
    }
    this.#waiters = this.#waiters.filter((waiter) => {
      if (waiter.method !== message.method) return true;
      waiter.resolve(message);
      return false;
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await Promise.race([
        this.send("Browser.close"),
        new Promise((resolve) => setTimeout(resolve, 2000)),
      ]);
    } catch {
      // Already gone.
    }
    await this.#writer.close().catch(() => {});
    const ended = await Promise.race([
      this.#child.status,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5000)),
    ]);
    if (ended === undefined) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // Ended meanwhile.
      }
      await this.#child.status;
    }
    await this.#reading.catch(() => {});
    await this.#stderr.catch(() => "");
    await Deno.remove(this.#profile, { recursive: true }).catch(() => {});
  }
}
