/**
 * A config's YAML text read into a value: the simple form (most configs) by `simple_yaml.ts`,
 * anything else, and every refusal, by the `yaml` library, whose words users see. Pure but for
 * the environment snapshot the library needs (`yaml_environment.ts`).
 */
import { parseDocument } from "yaml";
import { DockswapError } from "./errors.ts";
import { NOT_SIMPLE, readSimpleYaml } from "./simple_yaml.ts";
import { withYamlEnvironment } from "./yaml_environment.ts";

/** The value `text` holds (null for an empty one), or a `config_invalid` error saying why not. */
export function readConfigYaml(text: string, source: string): unknown {
  const simple = readSimpleYaml(text);
  return simple !== NOT_SIMPLE ? simple : readYamlWithLibrary(text, source);
}

/** `readConfigYaml` by the `yaml` library alone: the reference the fast way is held to. */
export function readYamlWithLibrary(text: string, source: string): unknown {
  return withYamlEnvironment(() => {
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    const syntax = doc.errors[0];
    if (syntax?.code === "MULTIPLE_DOCS") {
      throw invalid(source, "the file holds several YAML documents (`---`); a config is one");
    }
    if (syntax) {
      const line = syntax.linePos?.[0]?.line;
      const where = line ? ` at line ${line}` : "";
      const reason = syntax.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
      throw invalid(source, `YAML syntax error${where}: ${reason}`);
    }
    try {
      return doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // Aliases that expand exponentially ("billion laughs") are refused by the yaml library
      // with a ReferenceError; that is bad input, not a bug.
      throw invalid(source, `YAML could not be expanded: ${(error as Error).message}`);
    }
  });
}

function invalid(source: string, problem: string): DockswapError {
  return new DockswapError("config_invalid", `${source}: ${problem}`);
}
