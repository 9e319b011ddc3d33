import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Runs examples/NAME.ts the way its header says, and returns its stdout (rejects on a non-zero exit). */
export function runExample(name: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", `examples/${name}.ts`, ...args],
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, NODE_NO_WARNINGS: "1" } },
      (error, stdout, stderr) => (error ? reject(new Error(`${name} failed: ${error.message}\n${stderr}`)) : resolve({ stdout, stderr })),
    );
  });
}

/** The last line of the output, parsed (the examples end with a JSON summary). */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}
