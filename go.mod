module github.com/meshydb/meshydb-go

go 1.26
