module github.com/gopip/gopip

go 1.26
