# Turns `go test -bench` output into a Markdown table, one row per benchmark:
# its name, its run count, then each metric as "value unit". Package
# results (ok/FAIL) pass through.
/^Benchmark/ {
	n++
	name[n] = $1; sub(/-[0-9]+$/, "", name[n])
	runs[n] = $2
	m[n] = 0
	for (i = 3; i < NF; i += 2) cell[n, ++m[n]] = $i " " $(i + 1)
	if (m[n] > width) width = m[n]
	next
}
/^(ok|FAIL|---)/ { print }
END {
	if (n == 0) exit
	head = "| benchmark | runs |"; rule = "|---|---:|"
	for (j = 1; j <= width; j++) { head = head " |"; rule = rule "---:|" }
	print ""; print head; print rule
	for (i = 1; i <= n; i++) {
		row = "| " name[i] " | " runs[i] " |"
		for (j = 1; j <= width; j++) row = row " " ((i, j) in cell ? cell[i, j] : "") " |"
		print row
	}
}
