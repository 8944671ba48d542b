/**
 * The copy of commander in third_party/ imports none of Node's built-ins: `deno bundle` hoists
 * every `node:` import to the top of the one-file build, where it would load Deno's Node layer for
 * every command. Its stand-ins behave as the built-ins do where commander uses them.
 */
import { assertEquals } from "../_assert.ts";
import {
  EventEmitter,
  path,
  stripVTControlCharacters,
} from "../../third_party/commander/lib/runtime.js";

const COPY = new URL("../../third_party/commander/", import.meta.url).pathname;

function* files(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    const file = `${dir}${entry.name}`;
    if (entry.isDirectory) yield* files(`${file}/`);
    else if (/\.(js|ts)$/.test(entry.name)) yield file;
  }
}

Deno.test("the commander copy imports no Node built-in, by import or require", () => {
  const found: string[] = [];
  for (const file of files(COPY)) {
    const text = Deno.readTextFileSync(file);
    for (const m of text.matchAll(/(?:from|import|require)\s*\(?\s*['"](node:[^'"]+)['"]/g)) {
      found.push(`${file.slice(COPY.length)}: ${m[1]}`);
    }
  }
  assertEquals(found, []);
});

Deno.test("the stand-ins do what commander asks of Node's built-ins", () => {
  const emitter = new EventEmitter();
  const heard: unknown[] = [];
  emitter.on("option:db", function (this: unknown, value: unknown) {
    heard.push(this === emitter, value);
  });
  assertEquals(emitter.listenerCount("option:db"), 1);
  assertEquals(emitter.listenerCount("option:json"), 0);
  assertEquals(emitter.emit("option:db", "a.db"), true);
  assertEquals(emitter.emit("option:json"), false);
  assertEquals(heard, [true, "a.db"]);
  assertEquals(
    stripVTControlCharacters("\u001b[1m\u001b[31m--db\u001b[39m\u001b[22m <path>"),
    "--db <path>",
  );
  assertEquals(path.basename("/usr/local/bin/dockswap-db.js", ".js"), "dockswap-db");
  assertEquals(path.extname("dir/prog.test.js"), ".js");
  assertEquals(path.extname(".profile"), "");
});
