/**
 * Every command line of the docs runs as written. Each shell block (```sh, ```bash) of README.md
 * and docs/*.md is one of three things, and this test fails on a block that is none:
 * - an example that readme_scripts_test.ts runs against stand-ins (deploy.sh, the coprocess);
 * - a block marked `<!-- not run: REASON -->` (the test task itself, a build that downloads);
 * - a block run here with bash (`set -eu -o pipefail`), twice, as a reader would paste it: in the
 *   repository when it runs `deno task` (with DOCKSWAP_DB pointing outside the checkout, which
 *   must be left as it was), else in an empty folder; `dockswap-db` on PATH is the real program.
 * Host paths (/var/lib/dockswap, /var/backups/dockswap, /var/www/dockswap, /usr/local/bin, /tmp)
 * are mapped into a temporary root, so a recipe runs as written without touching the machine; a
 * folder a recipe writes into must be created by the docs, or the recipe fails here. The cron
 * line and the systemd unit of docs/operations.md (not shell blocks) are run by
 * readme_scripts_test.ts, as cron and systemd run them, re-run and killed; the cron line of
 * docs/report.md by report_recipe_test.ts.
 */
import { assert, assertEquals } from "../_assert.ts";
import { cleanEnv, cli, commandLine, decoded, EXECUTABLE } from "../_cli.ts";
import {
  type Block,
  blocks,
  COPROCESS_MARKER,
  DEPLOY_SH_MARKER,
  REPO_ROOT,
  shellBlocks,
} from "../_docs.ts";

const EXAMPLE_MARKERS = [DEPLOY_SH_MARKER, COPROCESS_MARKER];
const HOST_PATHS =
  /(?<![\w.\/-])(\/var\/lib\/dockswap|\/var\/backups\/dockswap|\/var\/www\/dockswap|\/usr\/local\/bin|\/tmp)(?=[\/\s'":]|$)/gm;
/** What the docs tell a reader to type to get Deno, which is the Deno running this test. */
const NPX_DENO = "npx --yes deno@";

function isExample(block: Block): boolean {
  return block.text.split("\n").some((line) => EXAMPLE_MARKERS.some((m) => line.startsWith(m)));
}

function where(block: Block): string {
  return `${block.page}:${block.line}`;
}

/** Single-quoted for sh. */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A temporary root standing for the host: `bin/` on PATH with `dockswap-db` (the real program),
 * `deno` and `npx` (for `npx --yes deno@VERSION`: this Deno, when the versions agree);
 * `usr/local/bin/dockswap-db` as an install would leave it; `home/` as HOME.
 */
class Host implements AsyncDisposable {
  private constructor(readonly root: string) {}

  static async create(): Promise<Host> {
    const host = new Host(await Deno.makeTempDir({ prefix: "dockswap-db-docs-" }));
    const program = `#!/bin/sh\nexec ${[EXECUTABLE, ...commandLine()].map(quote).join(" ")} "$@"\n`;
    const npx = `#!/bin/sh
if [ "$1" = --yes ] && [ "$2" = deno@${Deno.version.deno} ]; then shift 2; exec deno "$@"; fi
echo "npx shim: only '${NPX_DENO}${Deno.version.deno}' (the Deno running the tests), not: $*" >&2
exit 127
`;
    for (const dir of ["bin", "usr/local/bin", "home", "tmp", "var/lib/dockswap"]) {
      await Deno.mkdir(`${host.root}/${dir}`, { recursive: true });
    }
    await Deno.writeTextFile(`${host.root}/bin/dockswap-db`, program, { mode: 0o755 });
    await Deno.writeTextFile(`${host.root}/usr/local/bin/dockswap-db`, program, { mode: 0o755 });
    await Deno.writeTextFile(`${host.root}/bin/npx`, npx, { mode: 0o755 });
    await Deno.symlink(Deno.execPath(), `${host.root}/bin/deno`);
    return host;
  }

  /** `text` with the host paths moved under this root. */
  map(text: string): string {
    return text.replace(HOST_PATHS, `${this.root}$1`);
  }

  /** Runs `script` with `shell` in `cwd`, as a user of this host. */
  async run(
    script: string,
    options: { cwd: string; env?: Record<string, string>; shell?: string[] },
  ): Promise<Run> {
    const [shell, ...args] = options.shell ?? ["bash", "-eu", "-o", "pipefail", "-c"];
    return decoded(
      await new Deno.Command(shell, {
        args: [...args, script],
        cwd: options.cwd,
        env: cleanEnv({
          PATH: `${this.root}/bin:${this.root}/usr/local/bin:${Deno.env.get("PATH")}`,
          HOME: `${this.root}/home`,
          ...options.env,
        }),
        clearEnv: true,
        stdin: "null",
      }).output(),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.root, { recursive: true });
  }
}

/** What `git status` says of the checkout (null where there is no git). */
async function checkoutState(): Promise<string | null> {
  try {
    const output = await new Deno.Command("git", {
      args: ["status", "--porcelain", "--untracked-files=all"],
      cwd: REPO_ROOT,
      stdout: "piped",
      stderr: "null",
    }).output();
    return output.success ? new TextDecoder().decode(output.stdout) : null;
  } catch {
    return null;
  }
}

const RUN_HERE = shellBlocks().filter((block) => !isExample(block) && block.notRun === undefined);

Deno.test("docs: every shell block is run here, by readme_scripts_test.ts, or marked with why not", () => {
  const all = shellBlocks();
  assert(all.length > 0);
  for (const marker of EXAMPLE_MARKERS) {
    assertEquals(all.filter((b) => b.text.includes(marker)).length, 1, marker);
  }
  for (const block of all.filter((b) => b.notRun !== undefined)) {
    assert(block.notRun!.trim().length > 10, `${where(block)}: say why it is not run`);
    assert(!isExample(block), `${where(block)}: an example is always run`);
  }
  // Every other fence carries a language, so a shell block cannot hide as an unmarked one.
  for (const page of new Set(all.map((b) => b.page))) {
    for (const block of blocks(page)) assert(block.lang !== "", `${where(block)}: no language`);
  }
  assert(RUN_HERE.length >= 5, `only ${RUN_HERE.length} blocks run here`);
});

for (const block of RUN_HERE) {
  const inRepository = /\b(deno|deno@[\d.]+) task\b/.test(block.text);
  Deno.test(`docs: the shell block at ${where(block)} runs as written, twice`, async () => {
    await using host = await Host.create();
    const script = host.map(block.text);
    const cwd = inRepository ? REPO_ROOT : `${host.root}/home`;
    // The checkout is the reader's clone: a recipe run in it must leave it as it was.
    const env: Record<string, string> = inRepository
      ? { DOCKSWAP_DB: `${host.root}/var/lib/dockswap/dockswap.db` }
      : {};
    const before = inRepository ? await checkoutState() : null;
    for (const round of ["first", "second"]) {
      const run = await host.run(script, { cwd, env });
      assertEquals(
        run.code,
        0,
        `${
          where(block)
        }, ${round} run:\n${script}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`,
      );
    }
    if (inRepository) assertEquals(await checkoutState(), before, "the checkout changed");
  });
}

Deno.test("docs: the output shown beside `dockswap-db --version` is what it prints", async () => {
  const install = await Deno.readTextFile(`${REPO_ROOT}docs/install.md`);
  const shown = /^dockswap-db --version\s+# (.+)$/m.exec(install)?.[1];
  assert(shown, "docs/install.md shows the output of dockswap-db --version");
  const printed = await cli(["--version"]);
  assertEquals(printed.code, 0, printed.stderr);
  assertEquals(printed.stdout.trim(), shown);
});
