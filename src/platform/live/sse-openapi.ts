import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiProduces } from '@nestjs/swagger';

/**
 * OpenAPI of a Server-Sent Events route: `text/event-stream`, the frames it sends, and
 * `Last-Event-ID` when it resumes.
 */
export function ApiEventStream(description: string, resumable = false): MethodDecorator {
  return applyDecorators(
    ApiProduces('text/event-stream'),
    ApiOkResponse({
      description: `${description} Frames: \`id: <seq>\\nevent: <name>\\ndata: <json>\\n\\n\`; a \`: heartbeat\` comment every STREAM_HEARTBEAT; the server ends the stream after STREAM_MAX_LIFETIME (reconnect${resumable ? ' with Last-Event-ID' : ''}).`,
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    }),
    ...(resumable
      ? [
          ApiHeader({
            name: 'Last-Event-ID',
            required: false,
            description: 'Resume after this audit sequence number: the missed events are replayed first',
          }),
        ]
      : []),
  );
}
