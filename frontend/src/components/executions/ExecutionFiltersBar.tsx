import type { ExecutionFilters } from '../../model/executions'

interface Props {
  filters: ExecutionFilters
  onChange: (f: ExecutionFilters) => void
}

/** Date (from, to), status and contact filters of the executions list. */
export function ExecutionFiltersBar({ filters, onChange }: Props) {
  const set = (patch: Partial<ExecutionFilters>) => onChange({ ...filters, ...patch })
  return (
    <div className="exec-filters" data-testid="execution-filters">
      <label>
        From
        <input type="date" value={filters.from} onChange={(e) => set({ from: e.target.value })} data-testid="filter-from" />
      </label>
      <label>
        To
        <input type="date" value={filters.to} onChange={(e) => set({ to: e.target.value })} data-testid="filter-to" />
      </label>
      <label>
        Status
        <select value={filters.status} onChange={(e) => set({ status: e.target.value as ExecutionFilters['status'] })} data-testid="filter-status">
          <option value="">Any</option>
          <option value="active">Active</option>
          <option value="ended">Ended</option>
        </select>
      </label>
      <label className="exec-filter-contact">
        Contact
        <input type="search" placeholder="+15550001111" value={filters.contact} onChange={(e) => set({ contact: e.target.value })} data-testid="filter-contact" />
      </label>
    </div>
  )
}
