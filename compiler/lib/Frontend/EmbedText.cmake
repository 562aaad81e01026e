# Writes the text of INPUT as a C++ raw string constant kPreludeSource.
file(READ ${INPUT} text)
file(WRITE ${OUTPUT} "static const char kPreludeSource[] = R\"fadprelude(${text})fadprelude\";\n")
