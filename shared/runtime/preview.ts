// The previewer of a runtime: the `preview` settings of the notifications configuration, its
// publishers over the runtime's secret store and URL guard. None when previews are not configured.
import type { Control } from '../control/deps.js';
import { parsePreviewSettings } from '../preview/config.js';
import { GitHubPreviewPublisher, GitLabPreviewPublisher } from '../preview/publish.js';
import type { PreviewDeps } from '../preview/run-preview.js';
import type { SecretStore } from '../ports/secret-store.js';
import type { UrlGuardOptions } from '../source/url-guard.js';

/** Builds the preview deps for `control`, or undefined when the configuration has no `preview` key. */
export function buildPreviewer(
  text: string | undefined,
  secrets: SecretStore,
  guard: UrlGuardOptions,
): ((control: Control) => PreviewDeps) | undefined {
  const settings = parsePreviewSettings(text);
  if (!settings) return undefined;
  const publishers: PreviewDeps['publishers'] = {
    ...(settings.github
      ? { github: new GitHubPreviewPublisher(settings.github, settings.githubReport, secrets, { guard }) }
      : {}),
    ...(settings.gitlab ? { gitlab: new GitLabPreviewPublisher(settings.gitlab, secrets, { guard }) } : {}),
  };
  return (control) => ({ control, settings, publishers });
}
