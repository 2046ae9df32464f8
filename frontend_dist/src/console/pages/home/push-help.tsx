/**
 * The steps that upload an app to a Space from the user's machine, each command with a copy button: install the
 * CLI, `podium login` to this server, the README front matter, `podium push`. Before the Space exists, push
 * creates it, so the command carries the flags for the chosen visibility and hardware.
 */
import { Link } from "../../router";
import { CodeLine, CopyButton } from "../../ui/misc";
import { PIP_COMMAND, frontMatter, loginCommand, pushCommand, type PushChoices } from "./space-form";
import type { Sdk } from "./types";

interface PushHelpProps {
  owner: string;
  name: string;
  title: string;
  sdk: Sdk;
  /** Before creating: the form's choices (push creates the Space with them); absent once the Space exists. */
  choices?: PushChoices & { sleepTime: number };
}

export function PushHelp({ owner, name, title, sdk, choices }: PushHelpProps) {
  const readme = frontMatter({ title: title || name, sdk, sleepTime: choices?.sleepTime });
  const entry = sdk === "docker" ? "Dockerfile" : "app.py";
  return (
    <ol class="pc-push-steps" data-testid="push-steps">
      <li>
        Install the Podium CLI (once):
        <CodeLine text={PIP_COMMAND} />
      </li>
      <li>
        Sign in to this server:
        <CodeLine text={loginCommand(location.origin)} />
        <span class="pc-hint">
          It asks for an API token: make one with the <code>write</code> scope under{" "}
          <Link href="/account/tokens">Account → API tokens</Link>.
        </span>
      </li>
      <li>
        Start your app's <code>README.md</code> (next to <code>{entry}</code>) with:
        <div class="pc-front-matter">
          <pre>
            <code>{readme}</code>
          </pre>
          <CopyButton text={readme} />
        </div>
      </li>
      <li>
        From that folder, upload it:
        <CodeLine text={pushCommand(owner, name, choices)} />
        <span class="pc-hint">
          {choices
            ? `If ${owner}/${name} does not exist yet, this creates it: its visibility and hardware from these flags, its title, SDK and sleep time from the README. The form is then optional.`
            : "Each push is a new revision: it is built and then replaces the running app. The build shows on the Space's page."}
        </span>
      </li>
    </ol>
  );
}
