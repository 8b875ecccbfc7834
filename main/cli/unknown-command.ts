import type { Command, Option } from "commander";

/**
 * The command a user typed that does not exist (like "podhost frobnicate" or "podhost config
 * frob"), as the words typed; undefined when every word names a command. Commander would print
 * the parent's help for `podhost frobnicate --help` and exit 0, as if it had done what was asked.
 */
export function unknownCommand(root: Command, args: string[]): string | undefined {
  let command = root;
  const options: Option[] = [...root.options];
  const path: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return undefined;
    if (arg.startsWith("-")) {
      const option = options.find((candidate) => candidate.long === arg.split("=")[0] || candidate.short === arg);
      if (option && (option.required || option.optional) && !arg.includes("=")) i++;
      continue;
    }
    if (command.commands.length === 0) return undefined; // an argument of a command that has no subcommands
    const next = command.commands.find((candidate) => candidate.name() === arg || candidate.aliases().includes(arg));
    path.push(arg);
    if (!next) return arg === "help" && command === root ? undefined : path.join(" ");
    command = next;
    options.push(...next.options);
  }
  return undefined;
}
