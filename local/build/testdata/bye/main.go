// Command bye is a build fixture.
package main

import "fmt"

func main() { fmt.Println("bye") }
