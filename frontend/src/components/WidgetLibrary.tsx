import { memo, useMemo } from 'react'
import { widgetTypes, type WidgetType } from '../model/catalog'

export const dragMime = 'application/x-switchboard-widget'

const channelTitle: Record<string, string> = {
  any: 'Any channel',
  voice: 'Voice',
  messaging: 'Messaging',
  conversations: 'Conversations',
  rest: 'REST API',
}

interface Props {
  onAdd: (type: string) => void
}

/** The widget types to add, grouped by their first channel; drag one onto the canvas or click it. */
function WidgetLibraryView({ onAdd }: Props) {
  const groups = useMemo(() => {
    const m = new Map<string, WidgetType[]>()
    for (const w of widgetTypes()) {
      if (w.type === 'trigger') continue
      const ch = w.channels[0] ?? 'any'
      const list = m.get(ch) ?? []
      list.push(w)
      m.set(ch, list)
    }
    return [...m.entries()]
  }, [])
  return (
    <aside className="widget-library" data-testid="widget-library" aria-label="Widget library">
      {groups.map(([ch, list]) => (
        <div key={ch} className="library-group">
          <h3 className="library-group-title">{channelTitle[ch] ?? ch}</h3>
          {list.map((w) => (
            <button
              key={w.type}
              type="button"
              className="library-item"
              data-testid="library-item"
              data-type={w.type}
              draggable
              title={w.description}
              onDragStart={(e) => {
                e.dataTransfer.setData(dragMime, w.type)
                e.dataTransfer.effectAllowed = 'move'
              }}
              onClick={() => onAdd(w.type)}
            >
              <span>{w.title}</span>
              {!w.offline && <span className="badge badge-cloud">cloud only</span>}
              {w.retired && <span className="badge badge-retired">retired</span>}
            </button>
          ))}
        </div>
      ))}
    </aside>
  )
}

export const WidgetLibrary = memo(WidgetLibraryView)
