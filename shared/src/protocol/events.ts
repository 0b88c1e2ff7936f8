/**
 * What the room says, independent of any transport: the netcat transport renders these as text
 * lines, the WebSocket transport as JSON. One type per type of event.
 * Times are milliseconds since the epoch.
 */

/** A chat line, as kept in the history. */
export interface MessageEvent {
  type: "message";
  from: string;
  text: string;
  at: number;
}

/** `/me waves` */
export interface ActionEvent {
  type: "action";
  from: string;
  text: string;
  at: number;
}

export interface JoinedEvent {
  type: "joined";
  name: string;
  at: number;
  online: number;
}

export interface LeftEvent {
  type: "left";
  name: string;
  reason: string;
  at: number;
  online: number;
}

export interface RenamedEvent {
  type: "renamed";
  from: string;
  to: string;
  at: number;
}

/** `/msg bob hi`: seen by the sender and the recipient only. */
export interface PrivateEvent {
  type: "private";
  from: string;
  to: string;
  text: string;
  at: number;
}

/** The limits a client should respect (sent in the welcome, so clients need not guess). */
export interface ServerLimits {
  maxLineBytes: number;
  linesPerSecond: number;
  burst: number;
  maxNameLength: number;
}

/** Sent to a member who just joined: who is here and what was said lately. */
export interface WelcomeEvent {
  type: "welcome";
  protocol: number;
  name: string;
  users: string[];
  history: (MessageEvent | ActionEvent)[];
  limits: ServerLimits;
}

export interface UsersEvent {
  type: "users";
  users: string[];
}

/** Plain information for one member (e.g. the output of /help). */
export interface InfoEvent {
  type: "info";
  text: string;
}

/** A request that could not be done; `code` is for programs, `text` for people. */
export interface ErrorEvent {
  type: "error";
  code: ErrorCode;
  text: string;
}

export interface ShutdownEvent {
  type: "shutdown";
  reason: string;
}

export type ErrorCode =
  | "name-invalid"
  | "name-taken"
  | "unknown-command"
  | "bad-arguments"
  | "no-such-user"
  | "line-too-long"
  | "rate-limited"
  | "too-slow"
  | "flooding"
  | "server-full"
  | "too-many-connections"
  | "throttled"
  | "timeout"
  | "bad-json"
  | "bad-command"
  | "too-large"
  | "not-joined"
  | "already-joined"
  | "blank-message";

/** Events every member receives, in the room's one global order. */
export type RoomEvent = MessageEvent | ActionEvent | JoinedEvent | LeftEvent | RenamedEvent | PrivateEvent;

/** Everything a client can be sent. */
export type ServerEvent = RoomEvent | WelcomeEvent | UsersEvent | InfoEvent | ErrorEvent | ShutdownEvent;
