// Node's arguments for running a TypeScript entry point from source in a child process: tsx, with
// the cjm-source condition so that `#protocol` (package.json "imports") is server/protocol/*.ts, the
// same files the server imports by path, and never a second copy from dist/.
export const sourceNodeArgs: readonly string[] = ['--conditions=cjm-source', '--import', 'tsx'];
