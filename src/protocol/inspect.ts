// What `GET /api/inspect/:id` answers: the bytes of one `/ws/inspect` connection, as the
// server's socket tap recorded them. All byte strings are base64 of the exact wire bytes.

export interface InspectFrame {
  /** Position among all frames of the connection, both directions (for `?since=`). */
  index: number;
  /** 'in': browser → server (masked); 'out': server → browser. */
  direction: 'in' | 'out';
  base64: string;
}

export interface InspectReply {
  /** The HTTP upgrade request exactly as received, head only (up to and including CRLF CRLF). */
  request: string;
  /** The 101 Switching Protocols response exactly as sent. */
  response: string;
  frames: InspectFrame[];
  /** Frames not kept: recording stops once a connection has passed 1 MiB of frames. */
  droppedFrames: number;
  closed: boolean;
}

/** First text message on `/ws/inspect`: the id to ask `/api/inspect/:id` about. */
export interface InspectHello {
  type: 'inspect';
  id: string;
}
