export type IrcLogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * How the IRC transport reports: a level, a sentence for people, and structured details. Never
 * handed a secret (the SASL password and key material stay in the connect options).
 */
export type IrcLog = (level: IrcLogLevel, message: string, details?: Record<string, unknown>) => void;
