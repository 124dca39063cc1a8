module github.com/tessera-cie/tessera

go 1.26.8
