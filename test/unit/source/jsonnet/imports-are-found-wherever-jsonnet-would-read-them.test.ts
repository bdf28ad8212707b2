import { findImports } from '../../../../shared/source/jsonnet.js';

// The import check is only as good as this lexer: every import Jsonnet would perform must be
// found (so a hostile path cannot slip past), and words inside strings and comments must not.
describe('the imports of a Jsonnet text', () => {
  test.each<[string, string, { kind: string; path: string; line: number }[]]>([
    [
      'double and single quotes',
      `import "a.libsonnet" + importstr 'b.txt'`,
      [
        { kind: 'import', path: 'a.libsonnet', line: 1 },
        { kind: 'importstr', path: 'b.txt', line: 1 },
      ],
    ],
    [
      'escapes decoded as Jsonnet decodes them',
      'import "\\u002e\\u002e\\/x"',
      [{ kind: 'import', path: '../x', line: 1 }],
    ],
    ['verbatim strings', `importbin @'a''b'`, [{ kind: 'importbin', path: "a'b", line: 1 }]],
    [
      'a comment between the keyword and the path',
      'import /* x */ # y\n // z\n "p"',
      [{ kind: 'import', path: 'p', line: 1 }],
    ],
    ['no space at all', 'local x=import"q";x', [{ kind: 'import', path: 'q', line: 1 }]],
    [
      'the line of each',
      '{\n a: import "a",\n\n b: importstr "b" }',
      [
        { kind: 'import', path: 'a', line: 2 },
        { kind: 'importstr', path: 'b', line: 4 },
      ],
    ],
    [
      'words inside strings, comments and text blocks are not imports',
      [
        '// import "/etc/passwd"',
        '# import "/etc/passwd"',
        '/* import "/etc/passwd" */',
        '{ a: "import \\"/etc/passwd\\"", b: @"import ""x""", c: |||',
        '  import "/etc/passwd"',
        '|||, imported: 1, importer: "x" }',
      ].join('\n'),
      [],
    ],
  ])('%s', (_what, text, expected) => {
    expect(findImports(text, 'f.jsonnet')).toEqual(expected);
  });

  test.each([
    ['a text block as the path', 'import |||\n  /etc/passwd\n|||'],
    ['a computed path', 'import "a" + "b"; import std.extVar("p")'],
    ['an unclosed string', 'import "/etc/passwd'],
    ['an unclosed comment', '/* import "x"'],
  ])('%s is refused with the position', (_what, text) => {
    expect(() => findImports(text, 'f.jsonnet')).toThrow(/^f\.jsonnet:1: /);
  });
});
