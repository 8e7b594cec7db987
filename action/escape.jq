# Escaping for the TraceAssist Action (jq module; `include "escape";` with -L action).

# A workflow command's message: GitHub reads %, CR and LF in it as escapes.
def message: gsub("%"; "%25") | gsub("\r"; "%0D") | gsub("\n"; "%0A");

# A workflow command's property value (file=, title=): also ':' and ','.
def property: message | gsub(":"; "%3A") | gsub(","; "%2C");

# Text inside <pre> in the job summary: no tag can open or close.
def html: gsub("&"; "&amp;") | gsub("<"; "&lt;") | gsub(">"; "&gt;") | gsub("\""; "&quot;")
  | gsub("'"; "&#39;");

# A Markdown table cell: letters, digits, space and . / - , stay; everything else becomes a numeric
# character reference, so no text can close the cell, start a link, emphasis, a mention or a tag.
def cell: explode | map(
    if (. >= 48 and . <= 57) or (. >= 65 and . <= 90) or (. >= 97 and . <= 122)
       or . == 32 or . == 46 or . == 47 or . == 45 or . == 44
    then [.] | implode else "&#\(.);" end) | join("");
