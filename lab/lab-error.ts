/** A control request the lab refuses: the HTTP status it answers with and one sentence for a person. */
export class LabError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'LabError';
  }
}
