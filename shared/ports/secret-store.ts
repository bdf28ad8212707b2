/** Named secrets (cluster tokens, git credentials, webhook secrets). Values are never logged. */
export interface SecretStore {
  get(name: string): Promise<string | undefined>;
}
