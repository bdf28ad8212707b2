// `gitferry completion bash|zsh|fish`: shell completion scripts made from the command tree itself,
// so every verb and option the CLI has is completed and nothing it lacks is offered.
import { Argument, type Command } from '@commander-js/extra-typings';

type AnyCommand = Command<unknown[], Record<string, unknown>, Record<string, unknown>>;

interface Node {
  path: string;
  subcommands: string[];
  options: string[];
}

function walk(cmd: AnyCommand, path: string, out: Node[]): void {
  const visible = cmd.commands.filter(
    (c) => !(c as unknown as { _hidden?: boolean })._hidden,
  ) as AnyCommand[];
  const options = cmd.options
    .filter((o) => !o.hidden)
    .flatMap((o) => [o.short, o.long].filter((f): f is string => Boolean(f)));
  out.push({ path, subcommands: visible.map((c) => c.name()), options: [...options, '--help'] });
  for (const c of visible) walk(c, path ? `${path} ${c.name()}` : c.name(), out);
}

/** Every command path with its subcommands and options ('' is the program itself). */
export function commandTree(program: AnyCommand): Node[] {
  const out: Node[] = [];
  walk(program, '', out);
  return out;
}

export function bashCompletion(program: AnyCommand): string {
  const nodes = commandTree(program);
  const cases = (pick: (n: Node) => string[]) =>
    nodes.map((n) => `    "${n.path}") echo "${pick(n).join(' ')}" ;;`).join('\n');
  return `# gitferry completion for bash: source <(gitferry completion bash)
_gitferry_subcommands() {
  case "$1" in
${cases((n) => n.subcommands)}
  esac
}
_gitferry_words() {
  case "$1" in
${cases((n) => [...n.subcommands, ...n.options])}
  esac
}
_gitferry() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    if [[ " $(_gitferry_subcommands "$path") " == *" $w "* ]]; then path="\${path:+$path }$w"; fi
  done
  COMPREPLY=($(compgen -W "$(_gitferry_words "$path")" -- "$cur"))
}
complete -F _gitferry gitferry
`;
}

export function zshCompletion(program: AnyCommand): string {
  return `#compdef gitferry
# gitferry completion for zsh: source <(gitferry completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program)}`;
}

export function fishCompletion(program: AnyCommand): string {
  const lines = [
    '# gitferry completion for fish: gitferry completion fish | source',
    'complete -c gitferry -f',
  ];
  for (const n of commandTree(program)) {
    const words = n.path ? n.path.split(' ') : [];
    const last = words[words.length - 1];
    // At this path: every word of it seen, and none of its subcommands yet.
    const cond = [
      ...(last ? [`__fish_seen_subcommand_from ${last}`] : []),
      ...(n.subcommands.length ? [`not __fish_seen_subcommand_from ${n.subcommands.join(' ')}`] : []),
    ].join('; and ');
    const when = cond ? ` -n '${cond}'` : '';
    if (n.subcommands.length) lines.push(`complete -c gitferry${when} -a '${n.subcommands.join(' ')}'`);
    for (const o of n.options)
      lines.push(
        o.startsWith('--')
          ? `complete -c gitferry${when} -l ${o.slice(2)}`
          : `complete -c gitferry${when} -s ${o.slice(1)}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

export function addCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script')
    .addArgument(new Argument('<shell>').choices(['bash', 'zsh', 'fish'] as const))
    .addHelpText(
      'after',
      '\nExamples:\n  source <(gitferry completion bash)\n  gitferry completion zsh > "${fpath[1]}/_gitferry"\n  gitferry completion fish | source',
    )
    .action((shell) => {
      const root = program as unknown as AnyCommand;
      process.stdout.write(
        shell === 'bash'
          ? bashCompletion(root)
          : shell === 'zsh'
            ? zshCompletion(root)
            : fishCompletion(root),
      );
    });
}
