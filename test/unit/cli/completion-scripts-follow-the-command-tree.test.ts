import type { Command } from '@commander-js/extra-typings';
import {
  bashCompletion,
  commandTree,
  fishCompletion,
  zshCompletion,
} from '../../../cli/commands/completion.js';
import { buildProgram } from '../../../cli/program.js';

type AnyCommand = Command<unknown[], Record<string, unknown>, Record<string, unknown>>;

describe('shell completion', () => {
  const program = buildProgram() as unknown as AnyCommand;

  test('the tree has every noun and verb, with visible options only', () => {
    const tree = new Map(commandTree(program).map((n) => [n.path, n]));
    expect(tree.get('')!.subcommands).toEqual(
      expect.arrayContaining(['app', 'cluster', 'proj', 'version', 'serve', 'completion']),
    );
    expect(tree.get('app')!.subcommands).toEqual(
      expect.arrayContaining(['create', 'logs', 'manifests', 'resources', 'set', 'patch', 'refresh']),
    );
    // The hidden connection options are not offered; the command's own are.
    expect(tree.get('app logs')!.options).toEqual(
      expect.arrayContaining(['-c', '--container', '--tail', '-f']),
    );
    expect(tree.get('app logs')!.options).not.toContain('--gitferry-server');
    expect(tree.get('cluster add')!.options).toContain('--server');
  });

  test('bash, zsh and fish scripts name the same verbs', () => {
    const bash = bashCompletion(program);
    expect(bash).toContain('"app") echo "create list get');
    expect(bash.endsWith('complete -F _gitferry gitferry\n')).toBe(true);
    expect(zshCompletion(program)).toContain(bash);
    expect(fishCompletion(program)).toContain(
      "complete -c gitferry -n '__fish_seen_subcommand_from logs' -l tail",
    );
  });
});
